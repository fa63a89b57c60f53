package warning

import "fmt"

// Warning levels, lowest first. None is the absence of a warning.
const (
	None   = ""
	Blue   = "blue"
	Yellow = "yellow"
	Orange = "orange"
	Red    = "red"
)

// Levels lists the warning levels from lowest to highest.
var Levels = []string{Blue, Yellow, Orange, Red}

// Rank orders levels: 0 for none, 1 blue … 4 red, -1 for an unknown name.
func Rank(level string) int {
	switch level {
	case None:
		return 0
	case Blue:
		return 1
	case Yellow:
		return 2
	case Orange:
		return 3
	case Red:
		return 4
	}
	return -1
}

func checkLevel(level string, allowNone bool) error {
	r := Rank(level)
	if r < 0 || (r == 0 && !allowNone) {
		return fmt.Errorf("%w: level %q is not one of blue, yellow, orange, red", ErrInvalid, level)
	}
	return nil
}

func maxLevel(a, b string) string {
	if Rank(b) > Rank(a) {
		return b
	}
	return a
}
