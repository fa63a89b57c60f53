package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/floodcmd/floodcmd/events"
)

// Roles a token can carry.
const (
	RoleOperator  = "operator"  // the command centre: everything
	RoleResponder = "responder" // one responder: their own assignments and status
	RolePartner   = "partner"   // a neighbouring town: its own mutual-aid requests only
	RoleViewer    = "viewer"    // read-only board without personal data
)

// Roles lists every role.
var Roles = []string{RoleOperator, RoleResponder, RolePartner, RoleViewer}

// Principal is who a request comes from: a role and what it is bound to
// (the operator's name, the responder id, the partner town's slug).
type Principal struct {
	Role    string
	Subject string
	Expires time.Time
	// ID names the token, for revocation ("" for the admin token).
	ID string
	// linkOnly: a login link's token, exchanged at /login for a session token.
	linkOnly bool
}

// audience groups principals that see the same filtered state.
func (p Principal) audience() string {
	switch p.Role {
	case RoleResponder, RolePartner:
		return p.Role + ":" + p.Subject
	}
	return p.Role
}

// TokenKeyFile is the key kept in the data directory when FLOODCMD_TOKEN_SECRET is unset.
const TokenKeyFile = "token.key"

// tokenPrefix versions the token format.
const tokenPrefix = "fc1."

// Signer issues and checks stateless tokens: HMAC-SHA256 over role, subject and expiry.
type Signer struct {
	key     []byte
	admin   string // FLOODCMD_ADMIN_TOKEN, accepted as the operator "admin"
	revoked *Revocations
}

// NewSigner returns a signer with key; admin, if set, is always accepted as an operator token.
func NewSigner(key []byte, admin string) *Signer {
	return &Signer{key: key, admin: admin, revoked: NewRevocations()}
}

// MinAdminToken is the shortest FLOODCMD_ADMIN_TOKEN accepted: it opens everything.
const MinAdminToken = 16

// Revoked is the set of token ids refused before they expire; the caller keeps
// it in step with the town's key-value bucket (see Revocations).
func (s *Signer) Revoked() *Revocations { return s.revoked }

// LoadSigner takes the key from secret (FLOODCMD_TOKEN_SECRET) or else from
// dataDir/token.key, creating that file once so that tokens survive restarts.
func LoadSigner(secret, dataDir, admin string) (*Signer, error) {
	if admin != "" && len(admin) < MinAdminToken {
		return nil, fmt.Errorf("FLOODCMD_ADMIN_TOKEN is %d characters: use at least %d (it opens every operator action; e.g. `openssl rand -hex 16`), or unset it to get a login link", len(admin), MinAdminToken)
	}
	if secret != "" {
		if len(secret) < 16 {
			return nil, errors.New("FLOODCMD_TOKEN_SECRET: use at least 16 characters")
		}
		return NewSigner([]byte(secret), admin), nil
	}
	path := filepath.Join(dataDir, TokenKeyFile)
	if raw, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) < 16 {
			return nil, fmt.Errorf("%s: not a hex key of at least 16 bytes; delete it to make a new one (old tokens stop working)", path)
		}
		return NewSigner(key, admin), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("token key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process made it first
		return LoadSigner(secret, dataDir, admin)
	}
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return NewSigner(key, admin), nil
}

type tokenClaims struct {
	Role    string `json:"r"`
	Subject string `json:"s"`
	Expires int64  `json:"e"`
	ID      string `json:"i,omitempty"`
	Link    bool   `json:"l,omitempty"`
}

// CheckClaims says what is wrong with a role and subject, or nil.
func CheckClaims(role, subject string) error {
	switch role {
	case RoleOperator, RoleViewer:
		if subject != "" && !events.ValidSlug(subject) {
			return fmt.Errorf("name %q: lower-case letters, digits, '-' or '_'", subject)
		}
	case RoleResponder:
		if !events.ValidSlug(subject) {
			return fmt.Errorf("a responder token is bound to a responder id (e.g. t-001), got %q", subject)
		}
	case RolePartner:
		if !events.ValidSlug(subject) {
			return fmt.Errorf("a partner token is bound to a town slug (e.g. chixi), got %q", subject)
		}
	default:
		return fmt.Errorf("role %q: one of %s", role, strings.Join(Roles, ", "))
	}
	return nil
}

// Sign issues a token for role bound to subject, valid for ttl.
func (s *Signer) Sign(role, subject string, ttl time.Duration, now time.Time) (string, error) {
	return s.sign(tokenClaims{Role: role, Subject: subject}, ttl, now)
}

func (s *Signer) sign(c tokenClaims, ttl time.Duration, now time.Time) (string, error) {
	if err := CheckClaims(c.Role, c.Subject); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("ttl must be positive")
	}
	c.Expires = now.Add(ttl).Unix()
	c.ID = newTokenID()
	payload, _ := json.Marshal(c)
	body := tokenPrefix + base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body)), nil
}

func (s *Signer) mac(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// errBadToken is all a client learns about a token that does not verify.
var errBadToken = errors.New("the token is not valid (wrong, altered or signed with another key)")

// Verify returns the principal of a token, or why it is refused.
func (s *Signer) Verify(token string, now time.Time) (Principal, error) {
	if s.admin != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.admin)) == 1 {
		return Principal{Role: RoleOperator, Subject: "admin"}, nil
	}
	if !strings.HasPrefix(token, tokenPrefix) {
		return Principal{}, errBadToken
	}
	i := strings.LastIndexByte(token, '.')
	body, sig := token[:i], token[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(body)) {
		return Principal{}, errBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(body, tokenPrefix))
	if err != nil {
		return Principal{}, errBadToken
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil || CheckClaims(c.Role, c.Subject) != nil {
		return Principal{}, errBadToken
	}
	exp := time.Unix(c.Expires, 0)
	if !now.Before(exp) {
		return Principal{}, fmt.Errorf("the token expired at %s; ask the command centre for a new one", exp.Format(time.RFC3339))
	}
	if c.ID != "" && s.revoked.Has(c.ID) {
		return Principal{}, fmt.Errorf("the token %s was revoked; ask the command centre for a new one", c.ID)
	}
	return Principal{Role: c.Role, Subject: c.Subject, Expires: exp, ID: c.ID, linkOnly: c.Link}, nil
}

// TokenID returns the id of a token that verifies (for `floodcmd token --revoke`).
func (s *Signer) TokenID(token string) (string, error) {
	p, err := s.Verify(token, time.Now())
	if err != nil {
		return "", err
	}
	if p.ID == "" {
		return "", errors.New("this token has no id (FLOODCMD_ADMIN_TOKEN is revoked by changing it)")
	}
	return p.ID, nil
}

func newTokenID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AdminLoginTTL is how long the login link that serve prints at start is
// valid: long enough to open it, short enough that a link left in a terminal
// log or a chat is soon worthless. /login exchanges it for a session.
const AdminLoginTTL = 15 * time.Minute

// SessionTTL is how long the browser session a login link opens lasts.
const SessionTTL = 12 * time.Hour

// AdminLogin returns the token a newcomer logs in with: FLOODCMD_ADMIN_TOKEN
// when set (generated false), else a signed operator token named "admin".
func (s *Signer) AdminLogin(now time.Time) (token string, generated bool, err error) {
	if s.admin != "" {
		return s.admin, false, nil
	}
	tok, err := s.sign(tokenClaims{Role: RoleOperator, Subject: "admin", Link: true}, AdminLoginTTL, now)
	return tok, true, err
}
