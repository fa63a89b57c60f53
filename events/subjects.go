package events

import (
	"fmt"
	"strings"
)

// Prefix is the first token of every floodcmd subject.
const Prefix = "flood"

// Input channels of a town: the token after flood.<town>.
const (
	ChanRain      = "rain"
	ChanLevel     = "level"
	ChanIncident  = "incident"
	ChanResponder = "responder"
	ChanShelter   = "shelter"
	ChanCommand   = "command"
	ChanCAP       = "cap"
	ChanOut       = "out"
	ChanRejected  = "rejected"
)

// ValidSlug reports whether s may be a town, responder, shelter or gauge id in a
// subject token: lower-case letters, digits, '-' and '_' (no dots or
// wildcards), a letter or digit first, at most 63 bytes — what the pattern
// ^[a-z0-9][a-z0-9_-]{0,62}$ matches, checked without a regexp because every
// reading's gauge is checked (TestValidSlugIsThePattern).
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !slugByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

func validSlugBytes(b []byte) bool {
	if len(b) == 0 || len(b) > 63 {
		return false
	}
	for i, c := range b {
		if !slugByte(c, i == 0) {
			return false
		}
	}
	return true
}

func slugByte(c byte, first bool) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || !first && (c == '-' || c == '_')
}

// TownSubjects is what a town's stream captures: everything under flood.<town>
// and the mutual-aid inbox addressed to it.
func TownSubjects(town string) []string {
	return []string{fmt.Sprintf("%s.%s.>", Prefix, town), fmt.Sprintf("%s.aid.%s.>", Prefix, town)}
}

// Subject builds flood.<town>.<tokens…>.
func Subject(town string, tokens ...string) string {
	return Prefix + "." + town + "." + strings.Join(tokens, ".")
}

// OutSubject is where the engine writes a decision: flood.<town>.out.<tokens…>.
func OutSubject(town string, tokens ...string) string {
	return Subject(town, append([]string{ChanOut}, tokens...)...)
}

// OutFilter matches every decision of a town; the engine fences its appends on it.
func OutFilter(town string) string { return Subject(town, ChanOut, ">") }

// RejectedSubject is where invalid inputs of a town are reported.
func RejectedSubject(town string) string { return Subject(town, ChanRejected) }

// AssignmentSubject is where a responder's phone listens for its assignments.
func AssignmentSubject(town, responder string) string {
	return OutSubject(town, "assignment", responder)
}

// Address is a parsed subject.
type Address struct {
	Town    string // the town the subject belongs to
	Channel string // rain, level, incident, responder, shelter, command, out, rejected, aid
	Key     string // responder id, shelter id, or aid kind; "" where the channel has none
	Rest    []string
}

// ParseSubject splits a floodcmd subject. It does not decide whether the
// channel is an input: see Address.IsInput.
func ParseSubject(subject string) (Address, error) {
	if a, ok := parseChannelSubject(subject); ok {
		return a, nil
	}
	return parseSplit(subject)
}

// parseSplit is ParseSubject token by token, for every subject.
func parseSplit(subject string) (Address, error) {
	tok := strings.Split(subject, ".")
	if len(tok) < 3 || tok[0] != Prefix {
		return Address{}, Invalidf("subject", subject, "must be flood.<town>.<channel>…")
	}
	if tok[1] == "aid" {
		// flood.aid.<town>.<kind>.<sender>: the sender's slug last, so that the
		// server's permissions refuse a message sent in another town's name.
		// Logs written before the sender was in the subject have four tokens.
		if len(tok) != 4 && len(tok) != 5 {
			return Address{}, Invalidf("subject", subject, "mutual aid goes to flood.aid.<town>.<kind>.<sender town>")
		}
		a := Address{Town: tok[2], Channel: "aid", Key: tok[3]}
		if len(tok) == 5 {
			a.Rest = tok[4:]
		}
		return a, nil
	}
	a := Address{Town: tok[1], Channel: tok[2], Rest: tok[3:]}
	switch a.Channel {
	case ChanResponder, ChanShelter:
		if len(tok) != 4 {
			return a, Invalidf("subject", subject, "must be flood.<town>.%s.<id>", a.Channel)
		}
		a.Key = tok[3]
		if !ValidSlug(a.Key) {
			return a, Invalidf("subject", subject, "the %s id must be a slug (a-z, 0-9, '-', '_')", a.Channel)
		}
	case ChanRain, ChanLevel, ChanIncident, ChanCommand, ChanRejected, ChanCAP:
		if len(tok) != 3 {
			return a, Invalidf("subject", subject, "must be flood.<town>.%s", a.Channel)
		}
	}
	return a, nil
}

// parseChannelSubject parses flood.<town>.<channel> for the channels of three
// tokens without splitting (every reading's subject is one), as ParseSubject
// would; anything else answers false and ParseSubject splits.
func parseChannelSubject(subject string) (Address, bool) {
	rest, ok := strings.CutPrefix(subject, Prefix+".")
	if !ok {
		return Address{}, false
	}
	town, channel, ok := strings.Cut(rest, ".")
	if !ok || town == "" || town == "aid" || strings.IndexByte(channel, '.') >= 0 {
		return Address{}, false
	}
	switch channel {
	case ChanRain, ChanLevel, ChanIncident, ChanCommand, ChanRejected, ChanCAP:
		return Address{Town: town, Channel: channel, Rest: []string{}}, true
	}
	return Address{}, false
}

// IsInput reports whether the engine should read the subject as an input
// (rather than one of its own decisions or rejections).
func (a Address) IsInput() bool { return a.Channel != ChanOut && a.Channel != ChanRejected }
