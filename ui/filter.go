package ui

import (
	"bytes"
	"encoding/json"
	"strings"
)

// personalKeys are residents' and responders' personal data: a viewer or a
// partner town never reads them, wherever they appear.
var personalKeys = map[string]bool{"phone": true, "phones": true, "household": true, "households": true,
	"reporter": true, "contact": true, "residents": true}

// filter turns the full state into what one audience may read. It keeps a
// cache of filtered items so that an unchanged item is not filtered again.
type filter struct {
	p     Principal
	cache map[string]map[string]cached // collection → id → item
}

type cached struct{ src, out json.RawMessage }

func newFilter(p Principal) *filter {
	return &filter{p: p, cache: map[string]map[string]cached{}}
}

// apply returns the doc the principal may read.
func (f *filter) apply(full *doc) *doc {
	if f.p.Role == RoleOperator {
		return full
	}
	out := &doc{vals: map[string]json.RawMessage{}, colls: map[string]*coll{}}
	var mine map[string]bool // responder: incidents of their own assignments
	if f.p.Role == RoleResponder {
		mine = map[string]bool{}
		if a, ok := full.colls["assignments"]; ok {
			for _, id := range a.ids {
				var it struct {
					Responder string `json:"responder"`
					Incident  string `json:"incident"`
				}
				if json.Unmarshal(a.items[id], &it) == nil && it.Responder == f.p.Subject {
					mine[it.Incident] = true
				}
			}
		}
	}
	for _, k := range full.keys {
		if v, ok := full.vals[k]; ok {
			if f.keepValue(k) {
				out.keys = append(out.keys, k)
				out.vals[k] = f.redactRaw(v)
			}
			continue
		}
		c, ok := full.colls[k]
		if !ok || !f.keepCollection(k) {
			continue
		}
		nc := &coll{idKey: c.idKey, items: map[string]json.RawMessage{}}
		old := f.cache[k]
		fresh := make(map[string]cached, len(c.ids))
		for _, id := range c.ids {
			src := c.items[id]
			if !f.keepItem(k, id, src, mine) {
				continue
			}
			it, hit := old[id]
			if !hit || !bytes.Equal(it.src, src) {
				it = cached{src: src, out: f.redactRaw(src)}
			}
			fresh[id] = it
			nc.ids = append(nc.ids, id)
			nc.items[id] = it.out
		}
		f.cache[k] = fresh
		out.keys = append(out.keys, k)
		out.colls[k] = nc
	}
	return out
}

// keepValue: which plain top-level values a role reads.
func (f *filter) keepValue(k string) bool {
	switch f.p.Role {
	case RoleViewer:
		return true
	case RoleResponder:
		return k == "town" || k == "drill" || k == "mode"
	case RolePartner:
		return k == "town" || k == "drill" || k == "mode"
	}
	return false
}

// keepCollection: which collections a role reads at all.
func (f *filter) keepCollection(k string) bool {
	switch f.p.Role {
	case RoleViewer:
		return true
	case RoleResponder:
		return k == "assignments" || k == "responders" || k == "incidents" || k == "roads" || k == "gauges"
	case RolePartner:
		return isAidCollection(k)
	}
	return false
}

func isAidCollection(k string) bool { return strings.Contains(k, "aid") }

// keepItem: which items of a collection a role reads.
func (f *filter) keepItem(k, id string, raw json.RawMessage, mine map[string]bool) bool {
	switch f.p.Role {
	case RoleResponder:
		switch k {
		case "responders":
			return id == f.p.Subject
		case "assignments":
			var it struct {
				Responder string `json:"responder"`
			}
			return json.Unmarshal(raw, &it) == nil && it.Responder == f.p.Subject
		case "incidents":
			return mine[id]
		}
		return true
	case RolePartner:
		// A mutual-aid item belongs to the partner when it names its town as
		// requester or provider; anything else is another town's business.
		var it map[string]any
		if json.Unmarshal(raw, &it) != nil {
			return false
		}
		for _, key := range []string{"town", "from", "to", "requester", "provider", "requesting_town", "responding_town"} {
			if s, ok := it[key].(string); ok && s == f.p.Subject {
				return true
			}
		}
		return false
	}
	return true
}

// redactRaw removes personal keys for roles that must not read them.
func (f *filter) redactRaw(raw json.RawMessage) json.RawMessage {
	if f.p.Role != RoleViewer && f.p.Role != RolePartner {
		return raw
	}
	if !mayHavePersonal(raw) {
		return raw
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return raw
	}
	return out
}

// mayHavePersonal is a cheap test before decoding.
func mayHavePersonal(raw []byte) bool {
	for k := range personalKeys {
		if bytes.Contains(raw, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if personalKeys[k] {
				delete(x, k)
				continue
			}
			x[k] = redact(e)
		}
	case []any:
		for i, e := range x {
			x[i] = redact(e)
		}
	}
	return v
}
