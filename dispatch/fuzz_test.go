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
