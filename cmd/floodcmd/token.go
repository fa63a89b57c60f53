package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

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
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
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
	fmt.Fprintf(stdout, "# login: %s/login?token=%s (valid until %s)\n", *board, tok, time.Now().Add(*ttl).Format(time.RFC3339))
	return nil
}
