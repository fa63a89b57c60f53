package ui

import (
	"testing"
	"time"
)

// FuzzVerifyToken: whatever a header or cookie carries, Verify answers a
// principal or an error and never panics; only tokens it signed verify.
func FuzzVerifyToken(f *testing.F) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"), "")
	now := time.Unix(1_800_000_000, 0)
	good, _ := s.Sign(RoleViewer, "", time.Hour, now)
	link, _ := s.sign(tokenClaims{Role: RoleOperator, Subject: "admin", Link: true}, time.Minute, now)
	for _, seed := range []string{good, link, "", "fc1.", "fc1..", "fc1.e30.AAAA", good[:len(good)-2], good + "x"} {
		f.Add(seed)
	}
	other := NewSigner([]byte("another key, another town......."), "")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := s.Verify(tok, now)
		if err == nil && CheckClaims(p.Role, p.Subject) != nil {
			t.Fatalf("verified claims that do not check: %+v", p)
		}
		if _, err := other.Verify(tok, now); err == nil && tok != "" {
			if _, err2 := s.Verify(tok, now); err2 == nil {
				t.Fatalf("one token verified under two keys: %q", tok)
			}
		}
	})
}
