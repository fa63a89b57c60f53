package cap

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var cst = time.FixedZone("CST", 8*3600)

func duhuWarning() WarningInput {
	return WarningInput{Identifier: "duhu-village-nancun-rain-20220512T175000Z", Town: "duhu", TownName: "都斛镇", TownNameEn: "Duhu",
		Kind: "rain", Level: "red", Drill: true, Sent: time.Date(2022, 5, 13, 1, 50, 0, 0, time.UTC), Zone: cst,
		Expires:  time.Date(2022, 5, 14, 1, 50, 0, 0, time.UTC),
		Areas:    []WarningArea{{Name: "南村", NameEn: "Nancun", Polygons: []orb.Ring{{{112.9, 22.05}, {112.93, 22.05}, {112.93, 22.07}, {112.9, 22.05}}}}},
		Evidence: []string{"rain-nancun: 101.2 mm in 3 h (red ≥100mm/3h)"}}
}

// elements lists the child element names of the first element named parent, in order.
func elements(t *testing.T, doc []byte, parent string) []string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	depth, in := 0, -1
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if in < 0 && e.Name.Local == parent {
				in = depth
			} else if in > 0 && depth == in+1 {
				out = append(out, e.Name.Local)
			}
		case xml.EndElement:
			if depth == in {
				return out
			}
			depth--
		}
	}
}

func TestEncodeFromWarningElementByElement(t *testing.T) {
	a, err := FromWarning(duhuWarning())
	require.NoError(t, err)
	doc, err := Encode(a)
	require.NoError(t, err)
	s := string(doc)
	assert.True(t, strings.HasPrefix(s, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`), s)
	assert.Equal(t, []string{"identifier", "sender", "sent", "status", "msgType", "scope", "note", "info", "info"}, elements(t, doc, "alert"))
	assert.Equal(t, []string{"language", "category", "event", "responseType", "responseType", "urgency", "severity", "certainty",
		"expires", "senderName", "headline", "description", "instruction", "parameter", "area"}, elements(t, doc, "info"))
	assert.Equal(t, []string{"areaDesc", "polygon"}, elements(t, doc, "area"))
	for _, want := range []string{
		"<sender>floodcmd@duhu</sender>", "<sent>2022-05-13T09:50:00+08:00</sent>", "<status>Exercise</status>",
		"<msgType>Alert</msgType>", "<scope>Public</scope>", "<language>zh-CN</language>", "<category>Met</category>",
		"<event>暴雨红色预警</event>", "<event>Rainstorm red warning</event>", "<urgency>Immediate</urgency>",
		"<severity>Extreme</severity>", "<certainty>Observed</certainty>", "<responseType>Evacuate</responseType>",
		"<polygon>22.05,112.9 22.05,112.93 22.07,112.93 22.05,112.9</polygon>", "<areaDesc>南村 Nancun</areaDesc>",
		"<expires>2022-05-14T09:50:00+08:00</expires>", "<headline>都斛镇南村暴雨红色预警</headline>", "<headline>Duhu, Nancun: Rainstorm red warning</headline>",
	} {
		assert.Contains(t, s, want)
	}
	assert.Less(t, strings.Index(s, "zh-CN"), strings.Index(s, "en-US"), "zh-CN first")
	assert.NotContains(t, s, "-00:00")
}

func TestLevelMapping(t *testing.T) {
	for level, want := range map[string][2]string{"blue": {"Minor", "Expected"}, "yellow": {"Moderate", "Expected"},
		"orange": {"Severe", "Immediate"}, "red": {"Extreme", "Immediate"}, "": {"Unknown", "Expected"}} {
		in := duhuWarning()
		in.Level = level
		a, err := FromWarning(in)
		require.NoError(t, err, level)
		assert.Equal(t, want[0], a.Info[0].Severity, level)
		assert.Equal(t, want[1], a.Info[0].Urgency, level)
		if level != "" {
			assert.Equal(t, level, LevelOf(want[0]))
		}
	}
	in := duhuWarning()
	in.Drill = false
	a, err := FromWarning(in)
	require.NoError(t, err)
	assert.Equal(t, "Actual", a.Status)
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2022, 5, 12, 23, 0, 0, 123456789, cst)
	assert.Equal(t, "2022-05-12T23:00:00+08:00", FormatTime(at))
	assert.Equal(t, "2022-05-12T15:00:00-00:00", FormatTime(at.UTC()), "CAP 1.2 §3.3.2: UTC is -00:00")
	assert.Equal(t, "2022-05-12T10:00:00-05:00", FormatTime(at.In(time.FixedZone("", -5*3600))))
	for _, bad := range []string{"2022-05-12T23:00:00Z", "2022-05-12T23:00:00.5+08:00", "2022-05-12T23:00:00", "2022-05-12 23:00:00+08:00", "2022-13-12T23:00:00+08:00"} {
		_, err := ParseTime(bad)
		assert.Error(t, err, bad)
	}
	got, err := ParseTime("2022-05-12T23:00:00+08:00")
	require.NoError(t, err)
	assert.True(t, got.Equal(at.Truncate(time.Second)))
}

func TestPolygonAndCircle(t *testing.T) {
	open := orb.Ring{{112.9, 22.05}, {112.93, 22.05}, {112.93, 22.07}}
	assert.Equal(t, "22.05,112.9 22.05,112.93 22.07,112.93 22.05,112.9", FormatPolygon(open), "closed on the way out")
	assert.Len(t, open, 3, "the caller's ring is untouched")
	r, err := ParsePolygon(" 22.05,112.9  22.05,112.93\n22.07,112.93 22.05,112.9 ")
	require.NoError(t, err)
	assert.Equal(t, orb.Point{112.9, 22.05}, r[0], "lon, lat inside")
	for _, bad := range []string{"22.05,112.9 22.05,112.93 22.07,112.93", "22.05,112.9 22.05,112.93 22.07,112.93 22.06,112.9",
		"95,112.9 22.05,112.93 22.07,112.93 95,112.9", "a,b c,d e,f a,b"} {
		_, err := ParsePolygon(bad)
		assert.Error(t, err, bad)
	}
	c, err := ParseCircle("32.9525,-115.5527 0")
	require.NoError(t, err)
	assert.Equal(t, Circle{Center: orb.Point{-115.5527, 32.9525}, RadiusKm: 0}, c)
	assert.Equal(t, "32.9525,-115.5527 0", FormatCircle(c))
	for _, bad := range []string{"32.9,-115.5", "32.9,-115.5 -1", "32.9 -115.5 1", "32.9,-115.5 NaN"} {
		_, err := ParseCircle(bad)
		assert.Error(t, err, bad)
	}
}

func TestValidateListsEveryViolation(t *testing.T) {
	a := Alert{Identifier: "has space,comma", Sender: "a<b", Sent: "2022-05-12T23:00:00Z", Status: "Real", MsgType: "Notice",
		Scope: "Restricted", References: "only-two,parts",
		Info: []Info{{Category: []string{"Weather"}, ResponseType: []string{"Run"}, Urgency: "Now", Severity: "Huge", Certainty: "Sure",
			Expires: "tomorrow", Parameter: []NameValue{{Value: "x"}}, Resource: []Resource{{}},
			Area: []Area{{Polygon: []string{"1,2 3,4 5,6 7,8"}, Circle: []string{"1,2"}, Ceiling: "100"}}}, {}}}
	err := Validate(a)
	var inv *Invalid
	require.True(t, errors.As(err, &inv))
	want := []string{"identifier", "sender", "sent", "status", "msgType", "restriction", "references[0]",
		"info[0].category[0]", "info[0].event", "info[0].responseType[0]", "info[0].urgency", "info[0].severity",
		"info[0].certainty", "info[0].expires", "info[0].parameter[0].valueName", "info[0].resource[0].resourceDesc",
		"info[0].resource[0].mimeType", "info[0].area[0].areaDesc", "info[0].area[0].polygon[0]", "info[0].area[0].circle[0]",
		"info[0].area[0].ceiling", "info[1].category", "info[1].urgency"}
	for _, w := range want {
		found := false
		for _, p := range inv.Problems {
			if strings.HasPrefix(p, w+":") {
				found = true
			}
		}
		assert.True(t, found, "%s missing from %v", w, inv.Problems)
	}
	_, err = Encode(a)
	assert.Error(t, err, "never encodes what it would refuse")
	b := Alert{Identifier: "x", Sender: "y", Sent: "2022-05-12T23:00:00+08:00", Status: "Test", MsgType: "Alert", Scope: "Private"}
	assert.ErrorContains(t, Validate(b), "addresses: required when scope is Private")
}

func TestParseSpecShapedExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	require.NoError(t, err)
	require.Len(t, files, 4)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			a, err := Parse(data)
			require.NoError(t, err)
			assert.NotEmpty(t, a.Identifier)
			assert.Equal(t, "Public", a.Scope)
			// Round trip: encode and parse back to the same alert.
			doc, err := Encode(a)
			require.NoError(t, err)
			b, err := Parse(doc)
			require.NoError(t, err)
			a.XMLName, b.XMLName = xml.Name{}, xml.Name{}
			assert.Equal(t, a, b)
		})
	}
	data, _ := os.ReadFile("testdata/multilingual.xml")
	a, err := Parse(data)
	require.NoError(t, err)
	require.Len(t, a.Info, 2)
	assert.Equal(t, "es-US", a.Info[1].Language)
	assert.Len(t, a.Info[0].Area, 2)
	assert.Equal(t, "34.05,-118.25 25", a.Info[1].Area[0].Circle[0])
	data, _ = os.ReadFile("testdata/thunderstorm.xml")
	a, err = Parse(data)
	require.NoError(t, err)
	assert.Len(t, a.Info[0].Area[0].Geocode, 3)
	assert.Equal(t, "Shelter", a.Info[0].ResponseType[0])
}

func TestParseRejectsNonCAP(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":         "",
		"not xml":       "{\"alert\":1}",
		"other root":    `<feed xmlns="http://www.w3.org/2005/Atom"/>`,
		"no namespace":  `<alert><identifier>x</identifier></alert>`,
		"CAP 1.1":       `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>`,
		"two alerts":    `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"></alert><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"></alert>`,
		"text before":   `junk<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"></alert>`,
		"unclosed":      `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x`,
		"missing parts": `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>`,
	} {
		_, err := Parse([]byte(doc))
		assert.Error(t, err, name)
	}
	// Whitespace around values is fine.
	a, err := FromWarning(duhuWarning())
	require.NoError(t, err)
	doc, err := Encode(a)
	require.NoError(t, err)
	loose := strings.ReplaceAll(string(doc), "<status>Exercise</status>", "<status>\n   Exercise\n  </status>") + "\n<!-- end -->\n"
	b, err := Parse([]byte(loose))
	require.NoError(t, err)
	assert.Equal(t, "Exercise", b.Status)
}

func TestEncodeAll(t *testing.T) {
	a, err := FromWarning(duhuWarning())
	require.NoError(t, err)
	in := duhuWarning()
	in.Identifier, in.Level = "duhu-village-longhe-rain-x", "orange"
	b, err := FromWarning(in)
	require.NoError(t, err)
	docs, err := EncodeAll([]Alert{a, b})
	require.NoError(t, err)
	require.Len(t, docs, 2)
	for _, d := range docs {
		_, err := Parse(d)
		assert.NoError(t, err, "each is a standalone CAP document")
	}
}
