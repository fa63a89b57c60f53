// Package cap reads and writes OASIS Common Alerting Protocol 1.2 messages
// (namespace urn:oasis:names:tc:emergency:cap:1.2) with encoding/xml only.
//
// CAP is one alert per document. Several independent warnings are several
// alerts — each keeps its own identifier and lifecycle (an Update or Cancel
// references one alert) — so EncodeAll returns one standalone document per
// alert rather than inventing a wrapper element that no CAP consumer would
// accept. Several <info> blocks in one alert are for the same event in several
// languages or for several audiences, which is how FromWarning uses them
// (zh-CN first, then en-US).
package cap
