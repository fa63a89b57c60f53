package cap

import "encoding/xml"

// Namespace is the CAP 1.2 XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Alert is a CAP 1.2 <alert>. Fields are in the schema's order, which is the
// order encoding/xml writes them; times are strings in CAP's dateTime form
// (see FormatTime) so that Validate can report a malformed one as it was sent.
type Alert struct {
	XMLName     xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string   `xml:"identifier"`
	Sender      string   `xml:"sender"`
	Sent        string   `xml:"sent"`
	Status      string   `xml:"status"`
	MsgType     string   `xml:"msgType"`
	Source      string   `xml:"source,omitempty"`
	Scope       string   `xml:"scope"`
	Restriction string   `xml:"restriction,omitempty"`
	Addresses   string   `xml:"addresses,omitempty"`
	Code        []string `xml:"code,omitempty"`
	Note        string   `xml:"note,omitempty"`
	References  string   `xml:"references,omitempty"`
	Incidents   string   `xml:"incidents,omitempty"`
	Info        []Info   `xml:"info,omitempty"`
}

// Info is a CAP <info> block: one event in one language for one audience.
type Info struct {
	Language     string      `xml:"language,omitempty"`
	Category     []string    `xml:"category"`
	Event        string      `xml:"event"`
	ResponseType []string    `xml:"responseType,omitempty"`
	Urgency      string      `xml:"urgency"`
	Severity     string      `xml:"severity"`
	Certainty    string      `xml:"certainty"`
	Audience     string      `xml:"audience,omitempty"`
	EventCode    []NameValue `xml:"eventCode,omitempty"`
	Effective    string      `xml:"effective,omitempty"`
	Onset        string      `xml:"onset,omitempty"`
	Expires      string      `xml:"expires,omitempty"`
	SenderName   string      `xml:"senderName,omitempty"`
	Headline     string      `xml:"headline,omitempty"`
	Description  string      `xml:"description,omitempty"`
	Instruction  string      `xml:"instruction,omitempty"`
	Web          string      `xml:"web,omitempty"`
	Contact      string      `xml:"contact,omitempty"`
	Parameter    []NameValue `xml:"parameter,omitempty"`
	Resource     []Resource  `xml:"resource,omitempty"`
	Area         []Area      `xml:"area,omitempty"`
}

// NameValue is an eventCode, parameter or geocode: a system-specific name and value.
type NameValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Resource is a CAP <resource>: a file that goes with the info.
type Resource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	Size         string `xml:"size,omitempty"`
	URI          string `xml:"uri,omitempty"`
	DerefURI     string `xml:"derefUri,omitempty"`
	Digest       string `xml:"digest,omitempty"`
}

// Area is a CAP <area>. Polygons are "lat,lon lat,lon …" (closed, ≥ 4 points)
// and circles "lat,lon radius_km" — latitude first, unlike GeoJSON.
type Area struct {
	AreaDesc string      `xml:"areaDesc"`
	Polygon  []string    `xml:"polygon,omitempty"`
	Circle   []string    `xml:"circle,omitempty"`
	Geocode  []NameValue `xml:"geocode,omitempty"`
	Altitude string      `xml:"altitude,omitempty"`
	Ceiling  string      `xml:"ceiling,omitempty"`
}
