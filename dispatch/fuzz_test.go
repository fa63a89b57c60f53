package dispatch

import (
	"strings"
	"testing"
)

// FuzzReadRosterCSV: a town's roster file, however broken, gives responders or
// an error — never a panic, never both.
func FuzzReadRosterCSV(f *testing.F) {
	f.Add("id,name,name_en,tier,village,team,capabilities,phone,lon,lat,reserve\nt-001,马,Ma,town,duhuxu,民兵,evacuation|patrol,138,112.9,22.07,false\n")
	f.Add("id,name,name_en,tier,village,team,capabilities,phone,lon,lat,reserve\nt-001,马,Ma,town,,,,,,,\n")
	f.Add("\ufeffid,name\n\"unterminated")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		rs, err := ReadRosterCSV(strings.NewReader(body))
		if err != nil && rs != nil {
			t.Fatalf("responders and an error together: %d, %v", len(rs), err)
		}
	})
}

// FuzzParseConfigFile: a town's dispatch.json, however broken, gives a
// policy that validates, or the base and an error — never a panic.
func FuzzParseConfigFile(f *testing.F) {
	f.Add(`{"divert_gain_s": 0, "churn_window_s": 600, "priority_weight": {"1": 10}}`)
	f.Add(`{"swap_priority": 9}`)
	f.Add(`{"rebalance_within_s": 1e308, "redirect_fresh_s": -0}`)
	f.Add(`{"priority_weight": {"01": 1e-300}}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, body string) {
		base := DefaultConfig()
		c, err := ParseConfigFile([]byte(body), base)
		if err != nil {
			if c.DivertGainS != base.DivertGainS || c.ChurnWindow != base.ChurnWindow {
				t.Fatalf("an error, and not the base: %v", err)
			}
			return
		}
		if verr := c.Validate(); verr != nil {
			t.Fatalf("accepted a policy that does not validate: %v", verr)
		}
		if c.ChurnWindow < 0 || c.RebalanceWithin < 0 || c.RedirectFresh < 0 || c.DivertGainS < 0 || c.RebalanceGainS < 0 {
			t.Fatalf("a negative time or gain accepted: %+v", c)
		}
	})
}
