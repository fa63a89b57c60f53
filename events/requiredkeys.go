package events

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// requiredKeys checks that each of required is a key of the JSON object raw
// with a value other than null, answering exactly as decoding raw into a
// map[string]json.RawMessage and looking the keys up would (requiredKeysByMap,
// FuzzRequiredKeys): the first one missing is named. Valid JSON objects — all
// that reach it from an envelope decoded — are scanned once, without a map;
// anything else goes the map's way, for its error.
func requiredKeys(raw []byte, required []string) error {
	if len(required) <= 64 && json.Valid(raw) {
		if missing, ok := firstMissing(raw, required); ok {
			if missing != "" {
				return Invalidf("data."+missing, "", "required")
			}
			return nil
		}
	}
	return requiredKeysByMap(raw, required)
}

// requiredKeysByMap is requiredKeys by decoding raw into a map.
func requiredKeysByMap(raw []byte, required []string) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return Invalidf("data", "", "must be a JSON object: %v", err)
	}
	for _, k := range required {
		if val, ok := keys[k]; !ok || string(val) == "null" {
			return Invalidf("data."+k, "", "required")
		}
	}
	return nil
}

// firstMissing scans the top level of raw, which must be valid JSON, for the
// required keys; a key given twice counts as its last value, as in a map. It
// answers ok=false when raw is not an object.
func firstMissing(raw []byte, required []string) (string, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return "", false
	}
	var present uint64 // bit r: required[r] is there, not null
	i++
	for {
		i = skipSpace(raw, i)
		switch raw[i] {
		case '}':
			for r, k := range required {
				if present&(1<<r) == 0 {
					return k, true
				}
			}
			return "", true
		case ',':
			i++
			continue
		}
		end := skipString(raw, i)
		key := raw[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			var s string // escapes, or bytes a map key would have replaced: decoded as the map would
			if json.Unmarshal(raw[i:end], &s) != nil {
				return "", false
			}
			key = []byte(s)
		}
		i = skipSpace(raw, end) + 1 // the colon
		i = skipSpace(raw, i)
		vend := skipValue(raw, i)
		null := string(raw[i:vend]) == "null"
		for r, k := range required {
			if string(key) == k {
				if null {
					present &^= 1 << r
				} else {
					present |= 1 << r
				}
			}
		}
		i = vend
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}
