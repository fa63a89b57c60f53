package warning

import (
	"math"
	"sort"
	"time"
)

// Retain is how much rain history a gauge keeps before its latest reading:
// 24 h for the longest window plus 24 h so that Accumulations at a time up to a
// day in the past stays exact. A reading older than that changes nothing
// the warnings look at, and is dropped.
const Retain = 48 * time.Hour

// interval is one rain reading: mm fell uniformly over (start, end].
type interval struct {
	start, end int64 // unix seconds
	mm         float64
}

// series is one rain gauge's readings with rain, sorted by end; at most one
// per end. A dry reading adds nothing to any window, so it is not kept: the
// windows walk only the wet ones (a fifth of a season's readings, where they
// walked a day of every one), and a dry correction of a wet reading takes it
// out.
type series struct {
	iv     []interval
	maxEnd int64 // the end of the latest reading, wet or dry
	// lastRain is the end of the latest reading with rain > 0 (0 if none).
	lastRain int64
}

// put records a reading; a reading with the same end replaces the earlier one
// (a gauge resending or correcting), so a duplicate never adds. It reports
// false when the reading is too old to matter.
func (s *series) put(iv interval) bool {
	if s.maxEnd != 0 && iv.end <= s.maxEnd-int64(Retain/time.Second) {
		return false
	}
	i := sort.Search(len(s.iv), func(i int) bool { return s.iv[i].end >= iv.end })
	switch had := i < len(s.iv) && s.iv[i].end == iv.end; {
	case had && iv.mm > 0:
		s.iv[i] = iv
	case had:
		s.iv = append(s.iv[:i], s.iv[i+1:]...) // corrected to dry
	case iv.mm > 0:
		s.iv = append(s.iv, interval{})
		copy(s.iv[i+1:], s.iv[i:])
		s.iv[i] = iv
	}
	if iv.end > s.maxEnd {
		s.maxEnd = iv.end
		cut := sort.Search(len(s.iv), func(i int) bool { return s.iv[i].end > s.maxEnd-int64(Retain/time.Second) })
		if cut > 0 {
			s.iv = append(s.iv[:0], s.iv[cut:]...)
		}
	}
	s.lastRain = 0
	if len(s.iv) > 0 {
		s.lastRain = s.iv[len(s.iv)-1].end
	}
	return true
}

// accumulate returns the rain in each of Windows ending at t (unix seconds).
//
// The window for H hours is (t-H, t]. A reading wholly inside counts in full;
// a reading that straddles the window's start (or t) counts in proportion to
// the part of its interval inside, as if its rain fell uniformly — the only
// assumption a total over an interval allows. Gaps count as no rain: a window
// is never filled in from neighbouring readings. Sums are rounded to 1e-6 mm,
// far below a gauge's 0.1 mm resolution, so that float noise cannot decide
// whether 50 mm was reached.
func (s *series) accumulate(t int64) [5]float64 {
	var acc [5]float64
	// Readings ending after t may still start before it: any ending less than
	// the longest reading (1440 minutes) after it. Their starts are not in
	// order (readings of different lengths), so none stops the walk early.
	hi := sort.Search(len(s.iv), func(i int) bool { return s.iv[i].end > t })
	for j := hi; j < len(s.iv) && s.iv[j].end < t+maxReadingSeconds; j++ {
		if s.iv[j].start < t {
			addOverlap(&acc, &s.iv[j], t)
		}
	}
	for j := hi - 1; j >= 0; j-- {
		iv := &s.iv[j]
		if iv.end <= t-24*3600 {
			break
		}
		addOverlap(&acc, iv, t)
	}
	for k := range acc {
		acc[k] = math.Round(acc[k]*1e6) / 1e6
	}
	return acc
}

// maxReadingSeconds is the longest interval a rain reading may cover: Rain
// refuses longer, and accumulate relies on it.
const maxReadingSeconds = 1440 * 60

func addOverlap(acc *[5]float64, iv *interval, t int64) {
	length := iv.end - iv.start
	for k, h := range Windows {
		from := t - int64(h)*3600
		lo, hi := max(iv.start, from), min(iv.end, t)
		if hi <= lo {
			continue
		}
		if lo == iv.start && hi == iv.end {
			acc[k] += iv.mm
		} else {
			acc[k] += iv.mm * float64(hi-lo) / float64(length)
		}
	}
}

// windowIndex maps hours onto the index in Windows (-1 if not a window).
func windowIndex(hours int) int {
	for k, h := range Windows {
		if h == hours {
			return k
		}
	}
	return -1
}
