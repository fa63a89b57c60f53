package events

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tinyAlert = `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>`

func TestRawCAPOnTheCAPSubject(t *testing.T) {
	for name, raw := range map[string]string{
		"plain":           tinyAlert,
		"declaration":     `<?xml version="1.0" encoding="ISO-8859-1"?>` + tinyAlert,
		"byte-order mark": "\xef\xbb\xbf" + tinyAlert,
		"leading space":   "\n  " + tinyAlert,
		"cap: prefix":     `<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2"/>`,
	} {
		t.Run(name, func(t *testing.T) {
			in, err := Validate("duhu", "flood.duhu.cap", []byte(raw))
			require.NoError(t, err)
			d := in.Data.(*CAPReceived)
			assert.Equal(t, raw, string(d.Raw), "the bytes as they came")
			assert.Equal(t, TypeCAPReceived, in.Event.Type)
			assert.True(t, strings.HasPrefix(in.Event.ID, "cap-raw-"))
			// The wrapped event is a CloudEvent of its own, carrying the same bytes.
			enc, err := in.Event.Encode()
			require.NoError(t, err)
			again, err := Validate("duhu", "flood.duhu.cap", enc)
			require.NoError(t, err)
			b, err := base64.StdEncoding.DecodeString(again.Data.(*CAPReceived).XMLBase64)
			require.NoError(t, err)
			assert.Equal(t, raw, string(b))
		})
	}
	_, err := Validate("duhu", "flood.duhu.incident", []byte(tinyAlert))
	assert.Error(t, err, "raw XML only on the cap subject")
	big := append([]byte(tinyAlert), bytes.Repeat([]byte(" "), MaxCAPBytes)...)
	_, err = Validate("duhu", "flood.duhu.cap", big)
	assert.ErrorContains(t, err, "at most 184320 bytes")
}

func TestCAPCloudEvent(t *testing.T) {
	ev := func(data string) []byte {
		return []byte(`{"specversion":"1.0","id":"c-1","source":"s","type":"flood.cap.received","time":"2022-05-13T01:00:00+08:00","data":` + data + `}`)
	}
	for name, tc := range map[string]struct{ data, err string }{
		"xml":              {`{"xml":"<cap:alert xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\"/>"}`, ""},
		"xml_base64":       {`{"xml_base64":"` + base64.StdEncoding.EncodeToString([]byte(tinyAlert)) + `"}`, ""},
		"neither":          {`{}`, "one of them"},
		"both":             {`{"xml":"<a/>","xml_base64":"PGEvPg=="}`, "one of them"},
		"not base64":       {`{"xml_base64":"%%%"}`, "not base64"},
		"not XML":          {`{"xml":"{\"alert\":1}"}`, "not an XML document"},
		"base64 of no XML": {`{"xml_base64":"` + base64.StdEncoding.EncodeToString([]byte("hello")) + `"}`, "not an XML document"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Validate("duhu", "flood.duhu.cap", ev(tc.data))
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.err)
			}
		})
	}
}
