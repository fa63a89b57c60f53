package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// MemLog is a Log in memory, for tests of the fold and of what drives it
// without a server. It keeps every record; it never forgets or de-duplicates.
type MemLog struct {
	mu   sync.Mutex
	recs []Record
	grew chan struct{} // closed and replaced on every append
}

// NewMemLog returns an empty log.
func NewMemLog() *MemLog { return &MemLog{grew: make(chan struct{})} }

// Append implements Log.
func (l *MemLog) Append(ctx context.Context, round []Entry) (uint64, error) {
	if len(round) == 0 {
		return 0, errors.New("append: an empty round")
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	last := uint64(len(l.recs))
	for i, e := range round {
		if err := l.check(i, e.Expect, round[:i], last); err != nil {
			return 0, fmt.Errorf("entry %d of %d (%s): %w", i+1, len(round), e.Subject, err)
		}
	}
	for i, e := range round {
		l.recs = append(l.recs, Record{Seq: last + 1 + uint64(i), Subject: e.Subject, ID: e.ID, Data: append([]byte(nil), e.Data...)})
	}
	close(l.grew)
	l.grew = make(chan struct{})
	return uint64(len(l.recs)), nil
}

// check tells whether x holds on the log as it was before the round (last
// records), with earlier the round's entries before this one.
func (l *MemLog) check(i int, x Expect, earlier []Entry, last uint64) error {
	if x.LastSeq != nil && (i > 0 || *x.LastSeq != last) {
		return fmt.Errorf("%w (the log ends at %d, expected %d on entry %d)", ErrExpectation, last, *x.LastSeq, i+1)
	}
	if x.Filter == "" {
		return nil
	}
	for _, e := range earlier {
		if e.Subject == x.Filter {
			return fmt.Errorf("%w (%s is written earlier in the round)", ErrExpectation, x.Filter)
		}
	}
	newest := uint64(0)
	for j := len(l.recs) - 1; j >= 0; j-- {
		if SubjectMatches(x.Filter, l.recs[j].Subject) {
			newest = l.recs[j].Seq
			break
		}
	}
	if newest != x.FilterSeq {
		return fmt.Errorf("%w (the newest of %s is at %d, expected %d)", ErrExpectation, x.Filter, newest, x.FilterSeq)
	}
	return nil
}

// Read implements Log.
func (l *MemLog) Read(ctx context.Context, from uint64, f func(Record) error) error {
	next := max(from, 1)
	for ctx.Err() == nil {
		l.mu.Lock()
		var batch []Record
		if next <= uint64(len(l.recs)) {
			batch = l.recs[next-1:]
		}
		grew := l.grew
		l.mu.Unlock()
		for i, r := range batch {
			r.Pending = uint64(len(batch) - 1 - i)
			if err := f(r); err != nil {
				return err
			}
			next = r.Seq + 1
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-grew:
		}
	}
	return nil
}

// LastSeq implements Log.
func (l *MemLog) LastSeq(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return uint64(len(l.recs)), nil
}
