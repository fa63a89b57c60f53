// Package storetest gives tests a PostgreSQL schema of their own, on the
// database FLOODCMD_TEST_DB names (make test starts one: scripts/with-postgres.sh).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DBURL returns FLOODCMD_TEST_DB after checking that it answers. Without it the
// test fails under CI=true (where make test always provides one) and is skipped elsewhere.
func DBURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("FLOODCMD_TEST_DB")
	why := "FLOODCMD_TEST_DB is not set"
	if u != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u)
		if err == nil {
			_ = conn.Close(ctx)
			return u
		}
		why = "FLOODCMD_TEST_DB does not answer: " + err.Error()
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s: PostgreSQL is required under CI (make test starts one with scripts/with-postgres.sh)", why)
	}
	tb.Skipf("%s (run under scripts/with-postgres.sh, or make test)", why)
	return ""
}

// FreshSchema creates an empty schema on the database at base and returns a URL
// whose connections use it (search_path); the schema is dropped when the test ends.
func FreshSchema(tb testing.TB, base string) string {
	tb.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return // the database went away (an outage test): nothing left to drop
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("FLOODCMD_TEST_DB must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// URL is a fresh schema on the test database.
func URL(tb testing.TB) string {
	tb.Helper()
	return FreshSchema(tb, DBURL(tb))
}
