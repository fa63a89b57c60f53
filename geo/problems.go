package geo

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a scenario: which file, which feature (its
// id, or "#n" for the n-th feature when it has none) and why.
type Problem struct {
	File      string `json:"file"`
	FeatureID string `json:"feature_id,omitempty"`
	Reason    string `json:"reason"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(": ")
	}
	if p.FeatureID != "" {
		b.WriteString(p.FeatureID)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Problems is the error LoadScenario returns: every problem found, in file order.
type Problems struct {
	List []Problem `json:"problems"`
}

// Error prints one problem per line.
func (p *Problems) Error() string {
	if p == nil || len(p.List) == 0 {
		return "no problems"
	}
	lines := make([]string, len(p.List))
	for i, pr := range p.List {
		lines[i] = pr.String()
	}
	return fmt.Sprintf("scenario has %d problem(s):\n%s", len(p.List), strings.Join(lines, "\n"))
}

func (p *Problems) add(file, id, format string, args ...any) {
	p.List = append(p.List, Problem{File: file, FeatureID: id, Reason: fmt.Sprintf(format, args...)})
}
