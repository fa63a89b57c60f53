package cap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding/htmlindex"
)

// MaxBytes bounds a CAP document, the one size limit of CAP in floodcmd: over
// HTTP a larger body is answered 413, on NATS it is rejected with a notice.
// 180 KiB holds the largest public alerts seen (a few hundred polygon points)
// and, base64-encoded inside a CloudEvent (4/3), still fits the 256 KiB that
// every event on the log may have.
const MaxBytes = 180 << 10

// ErrTooLarge is a document over MaxBytes.
var ErrTooLarge = fmt.Errorf("a CAP document is at most %d bytes (180 KiB)", MaxBytes)

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

// charsetReader decodes the charset an XML declaration names (ISO-8859-1,
// windows-1252, GB18030, Shift_JIS, …) with the WHATWG names x/text knows.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q in the XML declaration", label)
	}
	return enc.NewDecoder().Reader(in), nil
}

// Parse reads a CAP 1.2 document. Elements are matched by namespace, not by
// spelling, so <cap:alert xmlns:cap="…"> reads as <alert xmlns="…">; the
// charset the XML declaration names is honoured. The root must be <alert> in
// the CAP 1.2 namespace, nothing but whitespace (and comments or processing
// instructions) may follow it, a DOCTYPE is refused (no entity can expand:
// neither billion laughs nor XXE), and the alert must pass Validate;
// whitespace around values is trimmed. On a validation error the decoded
// alert is returned too, so that a caller can still say which alert was refused.
func Parse(data []byte) (Alert, error) { return parse(data, charsetReader) }

// ParseText is Parse for a document that is already text (a JSON string in a
// CloudEvent): its characters are taken as they are, whatever charset the XML
// declaration names, since that named the bytes of a copy we never saw.
func ParseText(doc []byte) (Alert, error) {
	return parse(doc, func(_ string, in io.Reader) (io.Reader, error) { return in, nil })
}

func parse(data []byte, charset func(string, io.Reader) (io.Reader, error)) (Alert, error) {
	if len(data) > MaxBytes {
		return Alert{}, fmt.Errorf("CAP document of %d bytes: %w", len(data), ErrTooLarge)
	}
	// A UTF-8 byte-order mark is allowed before the declaration; encoding/xml would call it text.
	dec := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.CharsetReader = charset
	var root *xml.StartElement
	for root == nil {
		tok, err := dec.Token()
		if err != nil {
			return Alert{}, fmt.Errorf("not a CAP document: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			root = &t
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return Alert{}, errors.New("not accepted: a CAP document has no DOCTYPE (entities are refused: XXE, billion laughs)")
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return Alert{}, errors.New("not a CAP document: text before the root element")
			}
		}
	}
	if root.Name.Local != "alert" || root.Name.Space != Namespace {
		return Alert{}, fmt.Errorf("not a CAP 1.2 document: the root element is {%s}%s, a CAP 1.2 alert is {%s}alert", root.Name.Space, root.Name.Local, Namespace)
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
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
		case xml.Comment, xml.ProcInst:
			continue
		}
		return Alert{}, errors.New("CAP document: content after the alert element")
	}
	trimAlert(&a)
	return a, Validate(a)
}
