package cap

import (
	"fmt"
	"regexp"
	"time"
)

// timeRE is CAP 1.2's dateTime: seconds, no fraction, an explicit numeric
// offset ("Z" is forbidden by §3.3.2).
var timeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$`)

// FormatTime writes t as CAP wants it, in t's own zone: 2022-05-12T23:00:00+08:00.
// Fractions of a second are dropped. UTC is written "-00:00", as CAP 1.2
// §3.3.2 requires; a time in any other zone (Asia/Shanghai: +08:00) keeps
// its offset, so floodcmd, which sends town-local times, never writes "-00:00".
func FormatTime(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		return t.Format("2006-01-02T15:04:05") + "-00:00"
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

// ParseTime reads a CAP dateTime; anything else (a "Z", fractions, no offset) is an error.
func ParseTime(s string) (time.Time, error) {
	if !timeRE.MatchString(s) {
		return time.Time{}, fmt.Errorf("time %q is not CAP dateTime (2022-05-12T23:00:00+08:00)", s)
	}
	t, err := time.Parse("2006-01-02T15:04:05-07:00", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %v", s, err)
	}
	return t, nil
}
