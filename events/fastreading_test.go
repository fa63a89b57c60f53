package events

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readingSamples are readings as gauges and drill files send them.
var readingSamples = []struct{ subject, body string }{
	{"flood.duhu.rain", `{"specversion":"1.0","id":"rain-nankeng-17","source":"gauge/rain-nankeng","type":"flood.rain.observed","time":"2022-04-01T00:10:00+08:00","subject":"flood.duhu.rain","datacontenttype":"application/json","data":{"gauge":"rain-nankeng","mm":0.3,"minutes":10}}`},
	{"flood.duhu.level", `{"specversion":"1.0","id":"nankeng-reservoir-17","source":"gauge/nankeng-reservoir","type":"flood.level.observed","time":"2022-04-01T00:10:00+08:00","subject":"flood.duhu.level","datacontenttype":"application/json","data":{"gauge":"nankeng-reservoir","meters":28.01}}`},
	{"flood.duhu.rain", `{"specversion":"1.0","id":"storm0512-rain-rain-beifeng-0512T1210","source":"gauge/rain-beifeng","type":"flood.rain.observed","time":"2022-05-12T12:10:00+08:00","subject":"flood.duhu.rain","datacontenttype":"application/json","drill":true,"data":{"gauge":"rain-beifeng","mm":0,"minutes":10}}`},
	{"flood.duhu.rain", ` { "data" : { "minutes" : 5 , "mm" : 12.5 , "gauge" : "g-1" } , "time" : "2022-05-12T23:00:00Z", "type":"flood.rain.observed", "source":"雨量站", "id":"x", "specversion":"1.0", "drill": false, "floodcmdseal":"abc" }` + "\n"},
	{"flood.duhu.level", `{"specversion":"1.0","id":"l","source":"s","type":"flood.level.observed","time":"2022-05-12T23:00:00.123456789-03:30","data":{"gauge":"river","meters":-1.5e1}}`},
}

// TestFastReadingTakesGaugesReadings: the one-pass path is the one readings
// take (else it would be dead code), and gives what the general path gives.
func TestFastReadingTakesGaugesReadings(t *testing.T) {
	for _, r := range readingSamples {
		addr, err := ParseSubject(r.subject)
		require.NoError(t, err)
		fast, ok := fastReading(addr, r.subject, []byte(r.body))
		require.True(t, ok, r.body)
		general, err := validateGeneral(addr, r.subject, []byte(r.body))
		require.NoError(t, err)
		assert.True(t, reflect.DeepEqual(fast, general), "fast %+v\ngeneral %+v", fast, general)
	}
}

// TestFastReadingLeavesTheRestToTheGeneralPath: inputs the general path
// refuses, or that need its decoding, are never accepted by the fast one, and
// Validate still refuses them with the general path's reason.
func TestFastReadingLeavesTheRestToTheGeneralPath(t *testing.T) {
	base := `{"specversion":"1.0","id":"x","source":"s","type":"flood.rain.observed","time":"2022-05-12T23:00:00Z","data":%s}`
	for _, body := range []string{
		fmt.Sprintf(base, `{"gauge":"g","mm":-1,"minutes":5}`),
		fmt.Sprintf(base, `{"gauge":"g","minutes":5}`),
		fmt.Sprintf(base, `{"gauge":"g","mm":"5","minutes":5}`),
		fmt.Sprintf(base, `{"gauge":"a.b","mm":1,"minutes":5}`),
		fmt.Sprintf(base, `{"gauge":"g","mm":1,"minutes":5,"mm":null}`),
		fmt.Sprintf(base, `{"Gauge":"g","mm":1,"minutes":5}`),
		fmt.Sprintf(base, `{"gauge":"g\u0031","mm":1,"minutes":5}`),
		fmt.Sprintf(base, `{"gauge":"g","mm":1,"minutes":5,"note":"added field"}`),
		fmt.Sprintf(base, `{"gauge":"g","mm":1e400,"minutes":5}`),
		`{"specversion":"1.0","id":"x","source":"s","type":"flood.rain.observed","time":"2022-05-12T23:00:00Z","data":{"gauge":"g","mm":1,"minutes":5}}}`,
		`{"specversion":"1.0","ID":"x","source":"s","type":"flood.rain.observed","time":"2022-05-12T23:00:00Z","data":{"gauge":"g","mm":1,"minutes":5}}`,
		`{"specversion":"1.0","id":"  ","source":"s","type":"flood.rain.observed","time":"2022-05-12T23:00:00Z","data":{"gauge":"g","mm":1,"minutes":5}}`,
		`{"specversion":"1.0","id":"x","source":"s","type":"flood.rain.observed","time":"yesterday","data":{"gauge":"g","mm":1,"minutes":5}}`,
		`{"specversion":"1.0","id":"x","source":"s","type":"flood.level.observed","time":"2022-05-12T23:00:00Z","data":{"gauge":"g","mm":1,"minutes":5}}`,
	} {
		addr, err := ParseSubject("flood.duhu.rain")
		require.NoError(t, err)
		_, ok := fastReading(addr, "flood.duhu.rain", []byte(body))
		assert.False(t, ok, body)
	}
}

// FuzzFastReading: whatever the fast path accepts, the general path accepts
// with an identical Input.
func FuzzFastReading(f *testing.F) {
	for _, r := range readingSamples {
		f.Add(r.subject, r.body)
	}
	f.Fuzz(func(t *testing.T, subject, body string) {
		addr, err := ParseSubject(subject)
		if err != nil {
			return
		}
		fast, ok := fastReading(addr, subject, []byte(body))
		if !ok {
			return
		}
		general, err := validateGeneral(addr, subject, []byte(body))
		if err != nil {
			t.Fatalf("fast path accepted what the general path refuses (%v): %s", err, body)
		}
		if !reflect.DeepEqual(fast, general) {
			t.Fatalf("fast %+v\ngeneral %+v", fast, general)
		}
	})
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// TestValidSlugIsThePattern: the hand-written check is the documented pattern.
func TestValidSlugIsThePattern(t *testing.T) {
	long := "a123456789b123456789c123456789d123456789e123456789f123456789abc"
	for _, s := range []string{"", "a", "-a", "_a", "a-", "a_b", "A", "a.b", "a b", "a\n", "é", "0", long, long + "d", "rain-nankeng"} {
		assert.Equal(t, slugPattern.MatchString(s), ValidSlug(s), "%q", s)
		assert.Equal(t, slugPattern.MatchString(s), validSlugBytes([]byte(s)), "%q", s)
	}
}

// BenchmarkValidateReading: a rain reading through Validate (the fast path)
// and through the general path, in the same run.
func BenchmarkValidateReading(b *testing.B) {
	raw := []byte(readingSamples[0].body)
	addr, err := ParseSubject(readingSamples[0].subject)
	require.NoError(b, err)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := Validate("duhu", readingSamples[0].subject, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := validateGeneral(addr, readingSamples[0].subject, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestParseChannelSubjectIsParseSubject: the path without a split gives what
// the split gives.
func TestParseChannelSubjectIsParseSubject(t *testing.T) {
	for _, s := range []string{"flood.duhu.rain", "flood.duhu.level", "flood.duhu.incident", "flood.duhu.command", "flood.duhu.rejected",
		"flood.duhu.cap", "flood..rain", "flood.aid.rain", "flood.duhu.rain.x", "flood.duhu.out", "flood.duhu.responder", "flood.duhu.", "flood.duhu"} {
		fast, ok := parseChannelSubject(s)
		if !ok {
			continue
		}
		split, err := parseSplit(s)
		require.NoError(t, err, s)
		assert.True(t, reflect.DeepEqual(fast, split), "%s: %+v %+v", s, fast, split)
	}
}
