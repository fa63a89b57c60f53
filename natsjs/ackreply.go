package natsjs

import "strings"

// logPosition reads a log message's stream sequence and how many messages are
// behind it from its reply subject, as jetstream.Msg.Metadata does, without
// the metadata it also builds (every message of a replay comes here, and
// that allocation was a tenth of what the reader allocated):
//
//	$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>                              (9 tokens)
//	$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>[.…] (11 or more)
//
// ok is false for anything else; the caller then asks Metadata, whose error
// says why.
func logPosition(reply string) (seq, pending uint64, ok bool) {
	rest, found := strings.CutPrefix(reply, "$JS.ACK.")
	if !found {
		return 0, 0, false
	}
	// The tokens after $JS.ACK, at v2's positions: domain, account hash,
	// stream, consumer, delivered, stream sequence, consumer sequence,
	// time, pending.
	var tokens [9]string
	first := 0
	switch n := strings.Count(rest, ".") + 1; {
	case n == 7:
		first = 2 // v1: no domain, no account hash
	case n < 9:
		return 0, 0, false
	}
	for i := first; i < len(tokens); i++ {
		tokens[i], rest, _ = strings.Cut(rest, ".")
	}
	seq, ok = ackNumber(tokens[5])
	if !ok {
		return 0, 0, false
	}
	pending, ok = ackNumber(tokens[8])
	return seq, pending, ok
}

// ackNumber parses a token of digits; an empty or other token is not one.
func ackNumber(s string) (uint64, bool) {
	if s == "" || len(s) > 19 { // 19 digits always fit in a uint64
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
