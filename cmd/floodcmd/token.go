package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/natsjs"
	"github.com/floodcmd/floodcmd/ui"
)

// token prints a signed access token: floodcmd token --role responder --responder t-001.
func token(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stdout)
	role := fs.String("role", ui.RoleViewer, "operator, responder, partner or viewer")
	responder := fs.String("responder", "", "responder id a responder token is bound to (e.g. t-001)")
	town := fs.String("partner-town", "", "town slug a partner token is bound to (e.g. chixi)")
	name := fs.String("name", "", "who an operator or viewer token names (shown in the audit trail)")
	ttl := fs.Duration("ttl", 72*time.Hour, "how long the token is valid")
	data := fs.String("data", "./data", "data directory of the floodcmd serve that will check the token (its token.key)")
	board := fs.String("board", "http://localhost:8080", "board address for the login link")
	revoke := fs.String("revoke", "", "revoke a token (the token itself, or the id printed with it) until it expires")
	townSlug := fs.String("town", "duhu", "with --revoke: the town whose floodcmd checks the token")
	natsURL := fs.String("nats", "nats://127.0.0.1:4222", "with --revoke: the NATS of that floodcmd (--nats-listen)")
	natsCreds := fs.String("nats-creds", "", "with --revoke: credentials (floodcmd creds --role town) when --data holds no NATS keys")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *revoke != "" {
		return revokeToken(*revoke, *townSlug, *natsURL, *natsCreds, *data, getenv, stdout)
	}
	subject := *name
	switch *role {
	case ui.RoleResponder:
		subject = *responder
	case ui.RolePartner:
		subject = *town
	case ui.RoleOperator:
		if subject == "" {
			return errors.New("--name: an operator token names its operator (the audit trail shows it)")
		}
	}
	signer, err := ui.LoadSigner(getenv("FLOODCMD_TOKEN_SECRET"), *data, "")
	if err != nil {
		return err
	}
	tok, err := signer.Sign(*role, subject, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	id, _ := signer.TokenID(tok)
	fmt.Fprintf(stdout, "# id %s (floodcmd token --revoke %s)\n# login: %s/login?token=%s (valid until %s)\n", id, id, *board, url.QueryEscape(tok), time.Now().Add(*ttl).Format(time.RFC3339))
	return nil
}

// revokeToken records a token's id in the town's key-value bucket; every
// floodcmd of the town refuses it from then on, after a restart too.
func revokeToken(token, town, url, credsFile, data string, getenv func(string) string, stdout io.Writer) error {
	id := token
	if strings.HasPrefix(token, "fc1.") {
		signer, err := ui.LoadSigner(getenv("FLOODCMD_TOKEN_SECRET"), data, "")
		if err != nil {
			return err
		}
		if id, err = signer.TokenID(token); err != nil {
			return fmt.Errorf("--revoke: %w", err)
		}
	}
	opts := []nats.Option{nats.Name("floodcmd token --revoke"), nats.CustomInboxPrefix(natsjs.InboxPrefix(town))}
	if credsFile != "" {
		opts = append(opts, nats.UserCredentials(credsFile))
	} else {
		auth, err := natsjs.LoadAuthority(data)
		if err != nil {
			return err
		}
		u, err := auth.Issue(natsjs.NatsTown, town, time.Minute, time.Now())
		if err != nil {
			return err
		}
		opts = append(opts, nats.UserJWTAndSeed(u.JWT, u.Seed))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return fmt.Errorf("--nats %s: %w", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, natsjs.TownBucket(town))
	if err != nil {
		return fmt.Errorf("the bucket of town %s (has its floodcmd started once?): %w", town, err)
	}
	if err := ui.Revoke(ctx, kv, id, "revoked at "+time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "token %s revoked for town %s\n", id, town)
	return nil
}
