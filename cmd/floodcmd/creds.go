package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/floodcmd/floodcmd/natsjs"
)

// creds prints a NATS credentials file signed by the account key of the
// floodcmd whose data directory is --data, or with --server-config the
// nats-server configuration that trusts the same keys.
func creds(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("creds", flag.ContinueOnError)
	fs.SetOutput(stdout)
	role := fs.String("role", "", "gauge, field, responder (one phone, with --responder), operator, viewer or town (a neighbouring town's floodcmd joining this NATS)")
	responder := fs.String("responder", "", "with --role responder: the responder id the phone is bound to (e.g. t-001)")
	town := fs.String("town", "", "the town the credential acts for (for --role town: the neighbour that joins)")
	data := fs.String("data", "./data", "data directory of the floodcmd whose NATS accepts the credential (its nats-auth keys)")
	ttl := fs.Duration("ttl", 0, "how long the credential is valid (0: as long as the keys)")
	serverConfig := fs.Bool("server-config", false, "print the nats-server configuration (accounts, trust) of an external cluster instead")
	out := fs.String("out", "", "write to this file (mode 0600: it holds a secret) instead of standard output")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if _, err := os.Stat(*data); err != nil && !*serverConfig {
		return fmt.Errorf("--data %s: %w (the data directory of the floodcmd serve whose NATS the credential is for)", *data, err)
	}
	auth, err := natsjs.LoadAuthority(*data)
	if err != nil {
		return err
	}
	if *serverConfig {
		return write(*out, stdout, []byte(auth.ServerConfig()))
	}
	if !slices.Contains(natsjs.NatsRoles, *role) {
		return fmt.Errorf("--role %q: one of %s", *role, strings.Join(natsjs.NatsRoles, ", "))
	}
	if *town == "" {
		return errors.New("--town: the town the credential acts for (e.g. duhu; for --role town the neighbour, e.g. chixi)")
	}
	if *ttl < 0 {
		return errors.New("--ttl must not be negative")
	}
	user, err := auth.IssueFor(*role, *town, *responder, *ttl, time.Now())
	if err != nil {
		return err
	}
	file, err := user.Creds()
	if err != nil {
		return err
	}
	return write(*out, stdout, file)
}

// write puts a secret into the file path (readable by its owner only), or on stdout when path is "".
func write(path string, stdout io.Writer, secret []byte) error {
	if path == "" {
		_, err := stdout.Write(secret)
		return err
	}
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}
