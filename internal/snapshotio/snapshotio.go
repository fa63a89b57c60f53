// Package snapshotio holds what the fold's snapshots (engine, dispatch, evac,
// warning) share: a fingerprint of a snapshot's Go schema, and a strict JSON
// decoder. Standard library only, so the domain packages stay pure.
package snapshotio

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Schema is a fingerprint of the shape of v's type: every field's name, type
// and tag, recursively. A snapshot written by code whose snapshot types differ
// carries another schema and is not restored (a field added, renamed or
// retyped would otherwise be read as zero or refused half-way).
func Schema(v any) string {
	var b strings.Builder
	describe(&b, reflect.TypeOf(v), map[reflect.Type]bool{})
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

func describe(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	if t == nil {
		b.WriteString("nil")
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		b.WriteString("*")
		describe(b, t.Elem(), seen)
	case reflect.Slice:
		b.WriteString("[]")
		describe(b, t.Elem(), seen)
	case reflect.Array:
		fmt.Fprintf(b, "[%d]", t.Len())
		describe(b, t.Elem(), seen)
	case reflect.Map:
		b.WriteString("map[")
		describe(b, t.Key(), seen)
		b.WriteString("]")
		describe(b, t.Elem(), seen)
	case reflect.Struct:
		name := t.PkgPath() + "." + t.Name()
		if t.Name() != "" && seen[t] {
			b.WriteString(name) // a recursive type: named once
			return
		}
		seen[t] = true
		b.WriteString(name + "{")
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(b, "%s %q ", f.Name, f.Tag)
			describe(b, f.Type, seen)
			b.WriteString(";")
		}
		b.WriteString("}")
	default:
		b.WriteString(t.String())
	}
}

// Decode reads one JSON value into v, refusing unknown fields and trailing
// data: a snapshot is restored exactly or not at all.
func Decode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the snapshot")
	}
	return nil
}
