package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// CAP alerts reach flood.<town>.cap two ways: as the raw XML document (what
// alerting systems send; no CloudEvent around it), or as a flood.cap.received
// CloudEvent whose data holds the document. Either way the document is at
// most MaxCAPBytes; the engine parses it (cap.Parse) and says what is wrong.

// isXML reports whether a message is XML rather than JSON: its first byte past
// a byte-order mark and whitespace is '<'.
func isXML(raw []byte) bool {
	raw = bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(raw) > 0 && raw[0] == '<'
}

// rawCAP wraps a raw CAP document as an input. Its event id is a hash of the
// bytes (the engine knows the alert by sender, identifier and sent, once
// parsed); its data is the document in base64, so that the event stands as a
// CloudEvent of its own where one is re-published (POST /api/events).
func rawCAP(addr Address, subject string, raw []byte) (Input, error) {
	sum := sha256.Sum256(raw)
	ev := Event{SpecVersion: SpecVersion, ID: "cap-raw-" + hex.EncodeToString(sum[:20]), Source: "nats:" + subject,
		Type: TypeCAPReceived, DataContentType: "application/json"}
	in := Input{Event: ev, Address: addr}
	if len(raw) > MaxCAPBytes {
		return in, capTooLarge("", len(raw))
	}
	d := CAPReceived{XMLBase64: base64.StdEncoding.EncodeToString(raw), Raw: bytes.Clone(raw)}
	data, err := json.Marshal(d)
	if err != nil {
		return in, Invalidf("", "", "CAP document: %v", err)
	}
	in.Event.Data, in.Data = data, &d
	return in, nil
}

func capTooLarge(field string, n int) error {
	return Invalidf(field, fmt.Sprint(n), "a CAP document is at most %d bytes (180 KiB); this one has %d", MaxCAPBytes, n)
}

// decodeCAP checks a flood.cap.received event's data: xml or xml_base64, one of them.
func decodeCAP(ev Event) (any, error) {
	var d CAPReceived
	if err := strictData(ev.Data, &d); err != nil {
		return nil, err
	}
	switch {
	case (d.XML == "") == (d.XMLBase64 == ""):
		return nil, Invalidf("data.xml", "", "required: the CAP document as text (xml) or as base64 of its bytes (xml_base64), one of them")
	case d.XMLBase64 != "":
		b, err := base64.StdEncoding.DecodeString(d.XMLBase64)
		if err != nil {
			return nil, Invalidf("data.xml_base64", abbreviate(d.XMLBase64), "not base64: %v", err)
		}
		if len(b) > MaxCAPBytes {
			return nil, capTooLarge("data.xml_base64", len(b))
		}
		if !isXML(b) {
			return nil, Invalidf("data.xml_base64", "", "not an XML document")
		}
	default:
		if len(d.XML) > MaxCAPBytes {
			return nil, capTooLarge("data.xml", len(d.XML))
		}
		if !isXML([]byte(d.XML)) {
			return nil, Invalidf("data.xml", abbreviate(strings.TrimSpace(d.XML)), "not an XML document (a CAP 1.2 <alert>)")
		}
	}
	return &d, nil
}
