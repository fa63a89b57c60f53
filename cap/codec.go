package cap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxBytes bounds a document Parse accepts; real alerts are a few kilobytes.
const MaxBytes = 1 << 20

// Encode writes one alert as a standalone CAP 1.2 XML document, after
// checking it with Validate: floodcmd never sends an alert it would refuse.
func Encode(a Alert) ([]byte, error) {
	a.XMLName = xml.Name{Space: Namespace, Local: "alert"}
	if err := Validate(a); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(a); err != nil {
		return nil, fmt.Errorf("encode CAP: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// EncodeAll writes each alert as its own document (see the package doc for
// why there is no multi-alert wrapper); the HTTP layer serves one per warning.
func EncodeAll(alerts []Alert) ([][]byte, error) {
	out := make([][]byte, 0, len(alerts))
	for i, a := range alerts {
		b, err := Encode(a)
		if err != nil {
			return nil, fmt.Errorf("alert %d (%s): %w", i, a.Identifier, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Parse reads a CAP 1.2 document. The root must be <alert> in the CAP 1.2
// namespace, nothing but whitespace (and comments or processing
// instructions) may follow it, and the alert must pass Validate; whitespace
// around values is trimmed. On a validation error the decoded alert is
// returned too, so that a caller can still say which alert was refused.
func Parse(data []byte) (Alert, error) {
	if len(data) > MaxBytes {
		return Alert{}, fmt.Errorf("CAP document of %d bytes; at most %d", len(data), MaxBytes)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root *xml.StartElement
	for root == nil {
		tok, err := dec.Token()
		if err != nil {
			return Alert{}, fmt.Errorf("not a CAP document: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			root = &t
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return Alert{}, errors.New("not a CAP document: text before the root element")
			}
		}
	}
	if root.Name.Local != "alert" || root.Name.Space != Namespace {
		return Alert{}, fmt.Errorf("not a CAP 1.2 document: root is {%s}%s, want {%s}alert", root.Name.Space, root.Name.Local, Namespace)
	}
	var a Alert
	if err := dec.DecodeElement(&a, root); err != nil {
		return Alert{}, fmt.Errorf("CAP document: %w", err)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Alert{}, fmt.Errorf("CAP document: after the alert element: %w", err)
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if _, ok := tok.(xml.Comment); ok {
			continue
		}
		if _, ok := tok.(xml.ProcInst); ok {
			continue
		}
		return Alert{}, errors.New("CAP document: content after the alert element")
	}
	trimAlert(&a)
	return a, Validate(a)
}
