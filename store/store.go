package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a PostgreSQL database holding the projection.
type Store struct {
	pool *pgxpool.Pool
}

// Open prepares a connection pool for url (a postgres:// URL or a key=value DSN;
// extra URL parameters such as search_path become session settings). It does not
// wait for PostgreSQL: a command centre must start while the database is down,
// and the projector connects, migrates and catches up when it comes back.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if cfg.MaxConns < 4 {
		cfg.MaxConns = 4
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database pool: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Pool is the connection pool, for queries by other packages and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool's connections.
func (s *Store) Close() { s.pool.Close() }
