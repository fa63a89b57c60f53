package evac

import (
	"strings"
	"testing"
)

// FuzzReadHouseholdsCSV: a registry file, however broken, gives households or
// an error — never a panic, never half an import.
func FuzzReadHouseholdsCSV(f *testing.F) {
	sc, _ := loadDuhu(f)
	f.Add("household,grid,address,lat,lon,members,aged80,bedridden,disabled,children,phone\nh1,nancun-yangning,阳宁1号,22.06,112.91,3,1,0,0,0,139\n")
	f.Add("household,grid,address,lat,lon,members,aged80,bedridden,disabled,children,phone\nh1,nowhere,x,999,112.91,0,5,0,0,0,\n")
	f.Add("household,grid,address,lat,lon,members,aged80,bedridden,disabled,children,phone,means\nh1,nancun-yangning,阳宁1号,22.06,112.91,3,1,0,0,0,139,car\nh2,nancun-yangning,x,22.06,112.91,3,0,0,0,0,,boat\n")
	f.Add("household,grid\n\"open quote")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		hh, err := ReadHouseholdsCSV(strings.NewReader(body), sc)
		if err != nil && hh != nil {
			t.Fatalf("households and an error together: %d, %v", len(hh), err)
		}
	})
}
