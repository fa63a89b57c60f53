package events

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var requiredSamples = []string{
	`{"gauge":"g","mm":1,"minutes":5}`, `{"gauge":"g","minutes":5}`, `{"gauge":"g","mm":null,"minutes":5}`,
	`{"gauge":"g","mm":1,"minutes":5,"mm":null}`, `{"gauge":"g","mm":null,"minutes":5,"mm":2}`, `{"g\u0061uge":"g","mm":1,"minutes":5}`,
	`{"Gauge":"g","mm":1,"minutes":5}`, ` { "x" : {"mm":1,"a":[1,{"b":"}"}]} , "gauge" : "\"" , "mm" : 0 , "minutes" : -1e3 } `,
	`[1]`, `{`, `null`, `{}`, "{\"ga\xffuge\":1}", `{"gauge":"g","mm":true,"minutes":"x"}`,
}

// TestRequiredKeysIsTheMap: the scan answers as the map decode did, on the
// samples (FuzzRequiredKeys on anything).
func TestRequiredKeysIsTheMap(t *testing.T) {
	for _, raw := range requiredSamples {
		assert.Equal(t, errText(requiredKeysByMap([]byte(raw), []string{"gauge", "mm", "minutes"})),
			errText(requiredKeys([]byte(raw), []string{"gauge", "mm", "minutes"})), raw)
	}
}

func FuzzRequiredKeys(f *testing.F) {
	for _, raw := range requiredSamples {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		required := []string{"gauge", "mm", "minutes"}
		want, got := errText(requiredKeysByMap([]byte(raw), required)), errText(requiredKeys([]byte(raw), required))
		if want != got {
			t.Fatalf("%q: map says %q, scan %q", raw, want, got)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
