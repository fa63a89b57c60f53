package cap

import (
	"fmt"
	"slices"
	"strings"
)

// Invalid lists every way an alert breaks CAP 1.2, each prefixed with the
// element's path (e.g. "info[0].area[1].polygon[0]: not closed").
type Invalid struct {
	Problems []string
}

// Error joins the problems.
func (e *Invalid) Error() string {
	return "not valid CAP 1.2: " + strings.Join(e.Problems, "; ")
}

type checker struct{ problems []string }

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, path+": "+fmt.Sprintf(format, args...))
}

func (c *checker) required(path, v string) bool {
	if strings.TrimSpace(v) == "" {
		c.add(path, "required")
		return false
	}
	return true
}

func (c *checker) oneOf(path, v string, allowed []string) {
	if c.required(path, v) && !slices.Contains(allowed, v) {
		c.add(path, "%q is not one of %s", abbreviate(v), strings.Join(allowed, ", "))
	}
}

func (c *checker) time(path, v string, required bool) {
	if v == "" {
		if required {
			c.add(path, "required")
		}
		return
	}
	if _, err := ParseTime(v); err != nil {
		c.add(path, "%v", err)
	}
}

// idChars: identifiers and senders must not contain spaces, commas or the
// XML-restricted '<' and '&' (CAP 1.2 §3.2.1), since references join them
// with commas and spaces.
func (c *checker) idChars(path, v string) {
	if c.required(path, v) && strings.ContainsAny(v, " ,<&\t\r\n") {
		c.add(path, "%q contains a space, comma, '<' or '&'", abbreviate(v))
	}
}

func (c *checker) nameValues(path string, list []NameValue) {
	for i, nv := range list {
		c.required(fmt.Sprintf("%s[%d].valueName", path, i), nv.ValueName)
	}
}

// Validate checks an alert against CAP 1.2 and reports every violation at
// once (*Invalid), or nil.
func Validate(a Alert) error {
	var c checker
	if a.XMLName.Local != "" && (a.XMLName.Local != "alert" || a.XMLName.Space != Namespace) {
		c.add("alert", "root element is {%s}%s, not {%s}alert", a.XMLName.Space, a.XMLName.Local, Namespace)
	}
	c.idChars("identifier", a.Identifier)
	c.idChars("sender", a.Sender)
	c.time("sent", a.Sent, true)
	c.oneOf("status", a.Status, Statuses)
	c.oneOf("msgType", a.MsgType, MsgTypes)
	c.oneOf("scope", a.Scope, Scopes)
	if a.Scope == "Restricted" && strings.TrimSpace(a.Restriction) == "" {
		c.add("restriction", "required when scope is Restricted")
	}
	if a.Scope == "Private" && strings.TrimSpace(a.Addresses) == "" {
		c.add("addresses", "required when scope is Private")
	}
	if a.References != "" {
		for i, ref := range strings.Fields(a.References) {
			if parts := strings.Split(ref, ","); len(parts) != 3 {
				c.add(fmt.Sprintf("references[%d]", i), "%q is not sender,identifier,sent", abbreviate(ref))
			} else {
				c.time(fmt.Sprintf("references[%d].sent", i), parts[2], true)
			}
		}
	}
	for i, in := range a.Info {
		validateInfo(&c, fmt.Sprintf("info[%d]", i), in)
	}
	if len(c.problems) > 0 {
		return &Invalid{Problems: c.problems}
	}
	return nil
}

func validateInfo(c *checker, path string, in Info) {
	if len(in.Category) == 0 {
		c.add(path+".category", "at least one required")
	}
	for j, cat := range in.Category {
		c.oneOf(fmt.Sprintf("%s.category[%d]", path, j), cat, Categories)
	}
	c.required(path+".event", in.Event)
	for j, rt := range in.ResponseType {
		c.oneOf(fmt.Sprintf("%s.responseType[%d]", path, j), rt, ResponseTypes)
	}
	c.oneOf(path+".urgency", in.Urgency, Urgencies)
	c.oneOf(path+".severity", in.Severity, Severities)
	c.oneOf(path+".certainty", in.Certainty, Certainties)
	c.nameValues(path+".eventCode", in.EventCode)
	c.time(path+".effective", in.Effective, false)
	c.time(path+".onset", in.Onset, false)
	c.time(path+".expires", in.Expires, false)
	c.nameValues(path+".parameter", in.Parameter)
	for j, r := range in.Resource {
		rp := fmt.Sprintf("%s.resource[%d]", path, j)
		c.required(rp+".resourceDesc", r.ResourceDesc)
		c.required(rp+".mimeType", r.MimeType)
	}
	for j, ar := range in.Area {
		ap := fmt.Sprintf("%s.area[%d]", path, j)
		c.required(ap+".areaDesc", ar.AreaDesc)
		for k, p := range ar.Polygon {
			if _, err := ParsePolygon(p); err != nil {
				c.add(fmt.Sprintf("%s.polygon[%d]", ap, k), "%v", err)
			}
		}
		for k, ci := range ar.Circle {
			if _, err := ParseCircle(ci); err != nil {
				c.add(fmt.Sprintf("%s.circle[%d]", ap, k), "%v", err)
			}
		}
		c.nameValues(ap+".geocode", ar.Geocode)
		if ar.Ceiling != "" && ar.Altitude == "" {
			c.add(ap+".ceiling", "only with altitude")
		}
	}
}
