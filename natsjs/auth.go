package natsjs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/floodcmd/floodcmd/events"
)

// Who may write what on the NATS fabric is NATS's own decentralised JWT
// authentication: an operator key vouches for one account (FLOODCMD) and a
// system account; the account key signs user credentials, each carrying its
// role's publish and subscribe permissions. The server trusts the operator and
// checks every user JWT against the account's public key, so `floodcmd creds`
// can mint a credential that a running server accepts at once, without a
// restart or a config change. The keys are seeds kept in --data/nats-auth.

// AuthDir is the folder under --data that holds the NATS signing keys.
const AuthDir = "nats-auth"

// Roles of the NATS fabric, each bound to one town.
const (
	// NatsEngine is a town's own floodcmd: its engine, streams, buckets and inputs.
	NatsEngine = "engine"
	// NatsTown is a neighbouring town's floodcmd joining this fabric: the same
	// rights as NatsEngine for its own town, and aid to others only as itself.
	NatsTown = "town"
	// NatsGauge publishes its town's rain and level readings only.
	NatsGauge = "gauge"
	// NatsField is a phone or grid worker: incidents, responder status, shelter check-in/out.
	NatsField = "field"
	// NatsOperator is the command centre's own tools: every input of its town,
	// commands included, and reading its log; never its decisions or streams.
	NatsOperator = "operator"
	// NatsViewer reads its town's decisions only.
	NatsViewer = "viewer"
	// NatsResponder is one responder's phone: incidents, its own status, its own assignments.
	NatsResponder = "responder"
)

// NatsRoles are the roles `floodcmd creds` issues (the engine's own is made at start).
var NatsRoles = []string{NatsGauge, NatsField, NatsResponder, NatsOperator, NatsViewer, NatsTown}

// LeaseBucketName is the key-value bucket of the towns' leases (LeaseBucket).
const LeaseBucketName = "FLOODCMD_ENGINES"

// TownBucket is the town's own key-value bucket (token revocations, …).
func TownBucket(town string) string {
	return "FLOODCMD_TOWN_" + strings.TrimPrefix(StreamName(town), "FLOOD_")
}

// InboxPrefix is the reply-subject prefix of a town's floodcmd connection. It
// is the town's own, so no other client can subscribe to the replies its
// consumers receive (the whole log flows through them).
func InboxPrefix(town string) string { return "_INBOX_" + town }

// Authority holds the operator, account and system keys of a floodcmd's NATS.
type Authority struct {
	operator, account, system nkeys.KeyPair
	// OperatorJWT, AccountJWT and SystemJWT are what a server trusts.
	OperatorJWT, AccountJWT, SystemJWT string
	// AccountKey and SystemKey are the accounts' public keys.
	AccountKey, SystemKey string
}

// LoadAuthority reads the keys from dataDir/nats-auth, creating them once.
func LoadAuthority(dataDir string) (*Authority, error) {
	dir := filepath.Join(dataDir, AuthDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("NATS keys: %w", err)
	}
	op, err := loadSeed(filepath.Join(dir, "operator.nk"), nkeys.CreateOperator)
	if err != nil {
		return nil, err
	}
	acc, err := loadSeed(filepath.Join(dir, "account.nk"), nkeys.CreateAccount)
	if err != nil {
		return nil, err
	}
	sys, err := loadSeed(filepath.Join(dir, "system.nk"), nkeys.CreateAccount)
	if err != nil {
		return nil, err
	}
	a := &Authority{operator: op, account: acc, system: sys}
	a.AccountKey, _ = acc.PublicKey()
	a.SystemKey, _ = sys.PublicKey()
	opPub, _ := op.PublicKey()
	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "floodcmd"
	oc.SystemAccount = a.SystemKey
	if a.OperatorJWT, err = oc.Encode(op); err != nil {
		return nil, fmt.Errorf("operator JWT: %w", err)
	}
	ac := jwt.NewAccountClaims(a.AccountKey)
	ac.Name = "FLOODCMD"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: jwt.NoLimit, DiskStorage: jwt.NoLimit,
		Streams: jwt.NoLimit, Consumer: jwt.NoLimit, MaxAckPending: jwt.NoLimit}
	if a.AccountJWT, err = ac.Encode(op); err != nil {
		return nil, fmt.Errorf("account JWT: %w", err)
	}
	sc := jwt.NewAccountClaims(a.SystemKey)
	sc.Name = "SYS"
	if a.SystemJWT, err = sc.Encode(op); err != nil {
		return nil, fmt.Errorf("system account JWT: %w", err)
	}
	return a, nil
}

// loadSeed reads an nkey seed, or makes one and keeps it readable by the owner only.
func loadSeed(path string, create func() (nkeys.KeyPair, error)) (nkeys.KeyPair, error) {
	if raw, err := os.ReadFile(path); err == nil {
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(raw))))
		if err != nil {
			return nil, fmt.Errorf("%s: not an nkey seed (%w); restore it from a backup, or delete the folder to make new keys (every credential issued stops working)", path, err)
		}
		return kp, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("NATS keys: %w", err)
	}
	kp, err := create()
	if err != nil {
		return nil, err
	}
	seed, _ := kp.Seed()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process made it first
		return loadSeed(path, create)
	}
	if err != nil {
		return nil, fmt.Errorf("NATS keys: %w", err)
	}
	_, err = f.Write(append(seed, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("NATS keys: %w", err)
	}
	return kp, nil
}

// User is one signed NATS user: its JWT and its private seed.
type User struct {
	JWT  string
	Seed string
}

// Creds renders the user as a .creds file (nats --creds, nats.UserCredentials).
func (u User) Creds() ([]byte, error) { return jwt.FormatUserConfig(u.JWT, []byte(u.Seed)) }

// Issue signs a new user of role for town, valid for ttl (0: until revoked by new keys).
func (a *Authority) Issue(role, town string, ttl time.Duration, now time.Time) (User, error) {
	return a.IssueFor(role, town, "", ttl, now)
}

// IssueFor is Issue for a role bound to a subject too (a responder's id).
func (a *Authority) IssueFor(role, town, subject string, ttl time.Duration, now time.Time) (User, error) {
	perms, err := rolePermissions(role, town, subject)
	if err != nil {
		return User{}, err
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return User{}, err
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	uc := jwt.NewUserClaims(pub)
	uc.Name = role + "@" + town
	if subject != "" {
		uc.Name = role + ":" + subject + "@" + town
	}
	uc.Permissions = perms
	uc.Tags.Add("role:"+role, "town:"+town)
	if role != NatsEngine && role != NatsTown && role != natsAdmin {
		// A device or a tool: one event is at most events.MaxEventBytes, and it needs few subscriptions.
		uc.Limits.Payload = events.MaxEventBytes
		uc.Limits.Subs = 64
	}
	uc.IssuedAt = now.Unix()
	if ttl > 0 {
		uc.Expires = now.Add(ttl).Unix()
	}
	tok, err := uc.Encode(a.account)
	if err != nil {
		return User{}, fmt.Errorf("sign %s credentials: %w", role, err)
	}
	if len(tok) > maxCredentialBytes {
		return User{}, fmt.Errorf("%s credentials of town %s are %d bytes: NATS would refuse them at connect (its max_control_line is %d here); shorten the town or responder id",
			role, town, len(tok), MaxControlLine)
	}
	return User{JWT: tok, Seed: string(seed)}, nil
}

// MaxControlLine is the longest protocol line the servers floodcmd configures
// accept (nats-server's max_control_line; its default is 4 KiB). A client's
// CONNECT carries its user JWT, with the role's permissions inside: the
// engine's of a town with a 63-byte id is about 6.7 KB, beyond the default.
const MaxControlLine = 16 << 10

// maxCredentialBytes leaves room in CONNECT for the signature, the client's
// name and options.
const maxCredentialBytes = MaxControlLine - 1024

// Configure makes a server trust the operator and know both accounts: every
// client must then present a user JWT signed by the account key. It also
// raises the control line to MaxControlLine, so every credential fits.
func (a *Authority) Configure(opts *server.Options) error {
	if opts.MaxControlLine < MaxControlLine {
		opts.MaxControlLine = MaxControlLine
	}
	oc, err := jwt.DecodeOperatorClaims(a.OperatorJWT)
	if err != nil {
		return err
	}
	res := &server.MemAccResolver{}
	if err := res.Store(a.AccountKey, a.AccountJWT); err != nil {
		return err
	}
	if err := res.Store(a.SystemKey, a.SystemJWT); err != nil {
		return err
	}
	opts.TrustedOperators = []*jwt.OperatorClaims{oc}
	opts.AccountResolver = res
	opts.SystemAccount = a.SystemKey
	return nil
}

// ServerConfig is the same trust as nats-server configuration text, for an
// external cluster: include it from each node's configuration.
func (a *Authority) ServerConfig() string {
	var b strings.Builder
	b.WriteString("# floodcmd: NATS accounts (generated by `floodcmd creds --server-config`).\n")
	b.WriteString("# Every client authenticates with a user JWT signed by the FLOODCMD account;\n")
	b.WriteString("# its role's permissions are inside the JWT. Include this file from each node.\n")
	fmt.Fprintf(&b, "operator: %q\n", a.OperatorJWT)
	fmt.Fprintf(&b, "system_account: %s\n", a.SystemKey)
	b.WriteString("# A client's CONNECT carries its credentials; the longest are about 7 KB.\n")
	fmt.Fprintf(&b, "max_control_line: %d\n", MaxControlLine)
	b.WriteString("resolver: MEMORY\n")
	b.WriteString("resolver_preload: {\n")
	fmt.Fprintf(&b, "  # FLOODCMD: every town's streams, buckets and clients\n  %s: %q\n", a.AccountKey, a.AccountJWT)
	fmt.Fprintf(&b, "  # SYS: the system account\n  %s: %q\n", a.SystemKey, a.SystemJWT)
	b.WriteString("}\n")
	return b.String()
}
