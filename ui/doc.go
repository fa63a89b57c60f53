package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// doc is a View as generic JSON: top-level arrays of objects that all carry an
// identity ("id", else "seq") are collections diffed by id; every other
// top-level value is compared and replaced whole. Nothing here knows the
// View's fields, so a collection added to the engine later is diffed for free.
type doc struct {
	keys  []string                   // top-level keys in the View's order
	vals  map[string]json.RawMessage // plain values
	colls map[string]*coll
}

// coll is one collection: its items in order, by id.
type coll struct {
	idKey string // "id" or "seq"
	ids   []string
	items map[string]json.RawMessage
}

// idKeys are the fields that identify an item, in order of preference.
var idKeys = []string{"id", "seq"}

// parseDoc splits a View's JSON into plain values and collections. seq is
// left out: frames carry it as from/to.
func parseDoc(raw []byte) (*doc, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("view is not a JSON object: %w", err)
	}
	d := &doc{vals: map[string]json.RawMessage{}, colls: map[string]*coll{}}
	d.keys = orderedKeys(raw)
	for _, k := range d.keys {
		v := top[k]
		if k == "seq" {
			continue
		}
		if c, ok := parseColl(v); ok {
			d.colls[k] = c
		} else {
			d.vals[k] = v
		}
	}
	return d, nil
}

// orderedKeys returns the top-level keys of a JSON object in document order.
func orderedKeys(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var keys []string
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// parseColl reads v as a collection if it is an array of objects with unique ids.
func parseColl(v json.RawMessage) (*coll, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '[' {
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, false
	}
	c := &coll{idKey: "id", ids: make([]string, 0, len(items)), items: make(map[string]json.RawMessage, len(items))}
	if len(items) == 0 {
		return c, true
	}
	var first map[string]json.RawMessage
	if json.Unmarshal(items[0], &first) != nil {
		return nil, false
	}
	c.idKey = ""
	for _, k := range idKeys {
		if _, ok := first[k]; ok {
			c.idKey = k
			break
		}
	}
	if c.idKey == "" {
		return nil, false
	}
	for _, it := range items {
		id, ok := itemID(it, c.idKey)
		if !ok {
			return nil, false
		}
		if _, dup := c.items[id]; dup {
			return nil, false
		}
		c.ids = append(c.ids, id)
		c.items[id] = it
	}
	return c, true
}

// itemID reads the identity of one item as a string.
func itemID(it json.RawMessage, key string) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(it, &m) != nil {
		return "", false
	}
	raw, ok := m[key]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// state renders the doc back as a JSON object with seq, for a snapshot.
func (d *doc) state(seq uint64) json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"seq":`)
	b.WriteString(strconv.FormatUint(seq, 10))
	for _, k := range d.keys {
		if k == "seq" {
			continue
		}
		if _, ok := d.colls[k]; ok {
			writeKey(&b, k)
			b.Write(d.collJSON(k))
		} else if v, ok := d.vals[k]; ok {
			writeKey(&b, k)
			b.Write(v)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// collections names each collection's id field, so a client applies upserts
// and removals with the same identity as the server.
func (d *doc) collections() map[string]string {
	out := make(map[string]string, len(d.colls))
	for k, c := range d.colls {
		out[k] = c.idKey
	}
	return out
}

func writeKey(b *bytes.Buffer, k string) {
	kb, _ := json.Marshal(k)
	b.WriteByte(',')
	b.Write(kb)
	b.WriteByte(':')
}

// change is what a delta carries between two docs.
type change struct {
	Set         map[string]json.RawMessage   `json:"set,omitempty"`
	Unset       []string                     `json:"unset,omitempty"`
	Upsert      map[string][]json.RawMessage `json:"upsert,omitempty"`
	Remove      map[string][]string          `json:"remove,omitempty"`
	Collections map[string]string            `json:"collections,omitempty"`
}

func (c *change) empty() bool {
	return len(c.Set) == 0 && len(c.Unset) == 0 && len(c.Upsert) == 0 && len(c.Remove) == 0
}

// diff returns what turns old into cur. A key that moves between plain value
// and collection is set whole.
func diff(old, cur *doc) change {
	var ch change
	set := func(k string, v json.RawMessage) {
		if ch.Set == nil {
			ch.Set = map[string]json.RawMessage{}
		}
		ch.Set[k] = v
	}
	for _, k := range cur.keys {
		if v, ok := cur.vals[k]; ok {
			if ov, had := old.vals[k]; !had || !bytes.Equal(ov, v) {
				set(k, v)
			}
			continue
		}
		c, ok := cur.colls[k]
		if !ok {
			continue
		}
		oc, had := old.colls[k]
		if !had || oc.idKey != c.idKey && len(oc.ids) > 0 {
			set(k, cur.collJSON(k))
			if ch.Collections == nil {
				ch.Collections = map[string]string{}
			}
			ch.Collections[k] = c.idKey
			continue
		}
		for _, id := range c.ids {
			if prev, ok := oc.items[id]; !ok || !bytes.Equal(prev, c.items[id]) {
				if ch.Upsert == nil {
					ch.Upsert = map[string][]json.RawMessage{}
				}
				ch.Upsert[k] = append(ch.Upsert[k], c.items[id])
			}
		}
		for _, id := range oc.ids {
			if _, ok := c.items[id]; !ok {
				if ch.Remove == nil {
					ch.Remove = map[string][]string{}
				}
				ch.Remove[k] = append(ch.Remove[k], id)
			}
		}
		if oc.idKey != c.idKey || len(ch.Upsert[k]) > 0 && len(oc.ids) == 0 {
			if ch.Collections == nil {
				ch.Collections = map[string]string{}
			}
			ch.Collections[k] = c.idKey
		}
	}
	for _, k := range old.keys {
		_, v := cur.vals[k]
		_, c := cur.colls[k]
		_, ov := old.vals[k]
		_, oc := old.colls[k]
		if (ov || oc) && !v && !c {
			ch.Unset = append(ch.Unset, k)
		}
	}
	return ch
}

func (d *doc) collJSON(k string) json.RawMessage {
	c := d.colls[k]
	var b bytes.Buffer
	b.WriteByte('[')
	for i, id := range c.ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(c.items[id])
	}
	b.WriteByte(']')
	return b.Bytes()
}
