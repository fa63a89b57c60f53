package events

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// fastReading validates the event a season's log is made of — a rain or level
// reading in the plain shape gauges send — in one pass over its bytes, with no
// reflection and no map. It only ever accepts, and only what Validate's
// general path accepts with an identical Input (FuzzFastReading checks it):
// anything it is unsure of (an escape in a string, a key it does not know or
// sees twice, null, nesting, a value out of range, any error at all) answers
// false and the general path decides, with its reasons.
func fastReading(addr Address, subject string, raw []byte) (Input, bool) {
	if len(raw) > MaxEventBytes || (addr.Channel != ChanRain && addr.Channel != ChanLevel) {
		return Input{}, false
	}
	s := scanner{b: raw}
	var f readingFields
	if !s.envelope(&f) {
		return Input{}, false
	}
	want := TypeRainObserved
	if addr.Channel == ChanLevel {
		want = TypeLevelObserved
	}
	const required = 1<<fSpec | 1<<fID | 1<<fSource | 1<<fType | 1<<fTime | 1<<fData
	if f.have&required != required || string(f.spec) != SpecVersion || string(f.typ) != want ||
		len(f.id) > 200 || len(bytes.TrimSpace(f.id)) == 0 || len(bytes.TrimSpace(f.source)) == 0 {
		return Input{}, false
	}
	ev := Event{SpecVersion: SpecVersion, Type: want, ID: string(f.id), Source: string(f.source), Drill: f.drill}
	var err error
	if ev.Time, err = time.Parse(time.RFC3339Nano, string(f.time)); err != nil {
		return Input{}, false
	}
	if f.have&(1<<fSubject) != 0 {
		ev.Subject = subject
		if string(f.subject) != subject {
			ev.Subject = string(f.subject)
		}
	}
	if f.have&(1<<fContentType) != 0 {
		if string(f.contentType) != "application/json" {
			return Input{}, false // the general path checks the other spellings
		}
		ev.DataContentType = "application/json"
	}
	if f.have&(1<<fSeal) != 0 {
		ev.Seal = string(f.seal)
	}
	in := Input{Event: ev, Address: addr}
	switch want {
	case TypeRainObserved:
		if f.data != 1<<dGauge|1<<dMM|1<<dMinutes || checkAll(slugBytes(f.gauge),
			rangeField("data.mm", f.mm, 0, 2000, ""), rangeField("data.minutes", f.minutes, 1, 1440, "")) != nil {
			return Input{}, false
		}
		in.Data = &RainObserved{Gauge: string(f.gauge), MM: f.mm, Minutes: f.minutes}
	default:
		if f.data != 1<<dGauge|1<<dMeters || checkAll(slugBytes(f.gauge), rangeField("data.meters", f.meters, -100, 10000, "")) != nil {
			return Input{}, false
		}
		in.Data = &LevelObserved{Gauge: string(f.gauge), Meters: f.meters}
	}
	// The raw data is copied, as encoding/json copies a RawMessage: the event
	// never holds on to the buffer it was read from.
	in.Event.Data = append([]byte(nil), f.rawData...)
	return in, true
}

func slugBytes(b []byte) error {
	if !validSlugBytes(b) {
		return errNotSlug
	}
	return nil
}

var errNotSlug = &Invalid{Rule: "not a slug"}

// Envelope attributes and data keys a reading may carry, as bits of readingFields.
const (
	fSpec = iota
	fID
	fSource
	fType
	fTime
	fSubject
	fContentType
	fDrill
	fSeal
	fData
)

const (
	dGauge = iota
	dMM
	dMinutes
	dMeters
)

// readingFields are the byte ranges and values a reading's scan found.
type readingFields struct {
	have                                                    uint16
	spec, id, source, typ, time, subject, contentType, seal []byte
	drill                                                   bool
	rawData                                                 []byte
	data                                                    uint8
	gauge                                                   []byte
	mm, minutes, meters                                     float64
}

// scanner reads the subset of JSON a reading needs, failing on the rest.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string with no escape and no control character, valid UTF-8:
// exactly the bytes encoding/json would decode it to.
func (s *scanner) str() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start, ascii := s.i+1, true
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[start:j]
			if !ascii && !utf8.Valid(v) {
				return nil, false // encoding/json would replace the bad bytes
			}
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// num reads a JSON number as encoding/json reads it into a float64.
func (s *scanner) num() (float64, bool) {
	s.ws()
	b, j := s.b, s.i
	digits := func() int {
		n := 0
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	start := j
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case digits() == 0:
		return 0, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if digits() == 0 {
			return 0, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	lit := b[start:j]
	v, ok := exactDecimal(lit)
	if !ok {
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil {
			return 0, false
		}
		v = f
	}
	s.i = j
	return v, true
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
	1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactDecimal converts a plain decimal literal (-12.5, 0.3, 28) without an
// allocation when its digits fit in 2^53 and it has at most 22 decimals: the
// mantissa and the power of ten are then exact and one IEEE division rounds
// correctly, the same float64 strconv.ParseFloat gives (it takes this path too).
func exactDecimal(lit []byte) (float64, bool) {
	neg := len(lit) > 0 && lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var m uint64
	decimals, dot := 0, false
	for _, c := range lit {
		switch {
		case c == '.':
			dot = true
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			if m >= 1<<53 {
				return 0, false
			}
			if dot {
				decimals++
			}
		default:
			return 0, false // an exponent: strconv decides
		}
	}
	if decimals >= len(pow10) {
		return 0, false
	}
	v := float64(m) / pow10[decimals]
	if neg {
		v = -v
	}
	return v, true
}

// members reads a JSON object's members, handing each key to member, which
// reads the value; it fails on the first member refused, a repeat included.
func (s *scanner) members(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if !s.next(',') {
			return s.next('}')
		}
	}
}

// once marks bit in have, failing when it was already there (a key repeated).
func once[T uint8 | uint16](have *T, bit uint) bool {
	if *have&(1<<bit) != 0 {
		return false
	}
	*have |= 1 << bit
	return true
}

// envelope reads the event object and its data, each key at most once.
func (s *scanner) envelope(f *readingFields) bool {
	ok := s.members(func(key []byte) bool {
		var bit uint
		var dst *[]byte
		switch string(key) {
		case "specversion":
			bit, dst = fSpec, &f.spec
		case "id":
			bit, dst = fID, &f.id
		case "source":
			bit, dst = fSource, &f.source
		case "type":
			bit, dst = fType, &f.typ
		case "time":
			bit, dst = fTime, &f.time
		case "subject":
			bit, dst = fSubject, &f.subject
		case "datacontenttype":
			bit, dst = fContentType, &f.contentType
		case "floodcmdseal":
			bit, dst = fSeal, &f.seal
		case "drill":
			bit = fDrill
		case "data":
			bit = fData
		default:
			return false
		}
		if !once(&f.have, bit) {
			return false
		}
		var ok bool
		switch {
		case dst != nil:
			*dst, ok = s.str()
		case bit == fDrill:
			f.drill, ok = s.boolean()
		default:
			s.ws()
			start := s.i
			if ok = s.data(f); ok {
				f.rawData = s.b[start:s.i]
			}
		}
		return ok
	})
	if !ok {
		return false
	}
	s.ws()
	return s.i == len(s.b)
}

func (s *scanner) boolean() (bool, bool) {
	s.ws()
	rest := s.b[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}

// data reads a reading's data object: gauge, and mm and minutes or meters.
func (s *scanner) data(f *readingFields) bool {
	return s.members(func(key []byte) bool {
		var bit uint
		var num *float64
		switch string(key) {
		case "gauge":
			bit = dGauge
		case "mm":
			bit, num = dMM, &f.mm
		case "minutes":
			bit, num = dMinutes, &f.minutes
		case "meters":
			bit, num = dMeters, &f.meters
		default:
			return false
		}
		if !once(&f.data, bit) {
			return false
		}
		var ok bool
		if num != nil {
			*num, ok = s.num()
		} else {
			f.gauge, ok = s.str()
		}
		return ok
	})
}
