// Package repotest holds tests about the repository as a whole: package
// boundaries and deployment files. It has no code of its own.
package repotest
