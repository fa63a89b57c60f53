package cap

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts encodes and parses
// back. Seeds: the spec-shaped examples in testdata (also checked in as the
// corpus under testdata/fuzz/FuzzParse) and the public alerts of testdata/public.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	public, _ := filepath.Glob("testdata/public/*.xml")
	files = append(files, public...)
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		if err != nil {
			return
		}
		doc, err := Encode(a)
		if err != nil {
			t.Fatalf("parsed but cannot encode: %v", err)
		}
		if _, err := Parse(doc); err != nil {
			t.Fatalf("encoded alert does not parse: %v\n%s", err, doc)
		}
	})
}
