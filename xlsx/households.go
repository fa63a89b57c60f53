package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/geo"
)

// householdColumns is the documented header mapping of the household
// registry (docs/NEW_TOWN.md).
var householdColumns = []column{
	{"household", []string{"户编号", "户号", "编号", "住户编号"}, false},
	{"grid", []string{"网格", "网格编号", "所属网格", "网格名称"}, true},
	{"address", []string{"地址", "住址", "门牌", "家庭住址"}, true},
	{"lat", []string{"纬度"}, false},
	{"lon", []string{"经度"}, false},
	{"members", []string{"人口", "人数", "户人数", "家庭人口", "在家人数"}, true},
	{"aged80", []string{"80岁以上", "八十岁以上", "高龄老人", "80岁以上老人"}, false},
	{"bedridden", []string{"卧床", "卧床人员", "卧床病人"}, false},
	{"disabled", []string{"残疾", "残疾人", "残障"}, false},
	{"children", []string{"儿童", "未成年人", "14岁以下", "小孩"}, false},
	{"phone", []string{"电话", "联系电话", "手机", "户主电话"}, false},
	{"means", []string{"出行方式", "转移方式", "交通方式"}, false},
}

// meansWords maps a registry's words for how a household travels onto evac's.
var meansWords = map[string]string{"步行": evac.MeansFoot, "自驾": evac.MeansCar, "汽车": evac.MeansCar, "开车": evac.MeansCar,
	"护送": evac.MeansEscort, "需护送": evac.MeansEscort}

func means(v string) string {
	if m, ok := meansWords[strings.TrimSpace(v)]; ok {
		return m
	}
	return v // foot, car, escort, empty — or wrong, and then reported by evac's reader
}

// Households reads a household registry spreadsheet into households.csv
// (evac.HouseholdsHeader), checked row by row against opt.Scenario exactly as
// serve checks households.csv. Blank counts of aged, bedridden, disabled and
// children mean none, as registries leave them.
func Households(r io.Reader, opt Options) (*Result, error) {
	if opt.Scenario == nil {
		return nil, errors.New("households: the scenario is needed to check grids and positions")
	}
	t, err := readTable(r, opt.Sheet, householdColumns)
	if err != nil {
		return nil, err
	}
	res := &Result{Ignored: t.ignored, Rows: len(t.rows)}
	recs := make([][]string, len(t.rows))
	for i := range t.rows {
		c := func(name string) string { return t.cell(i, name) }
		grid := gridID(opt.Scenario, c("grid"))
		id := c("household")
		if id == "" {
			id = fmt.Sprintf("%s-row-%d", grid, t.rowNum[i])
		}
		lat, lon := c("lat"), c("lon")
		if lat == "" && lon == "" {
			if g, ok := opt.Scenario.Grid(grid); ok {
				lat, lon = strconv.FormatFloat(g.Center[1], 'f', 6, 64), strconv.FormatFloat(g.Center[0], 'f', 6, 64)
				res.Positioned++
			}
		}
		zero := func(name string) string {
			if v := strings.TrimSuffix(c(name), "人"); v != "" {
				return v
			}
			return "0"
		}
		recs[i] = []string{id, grid, c("address"), lat, lon, strings.TrimSuffix(c("members"), "人"),
			zero("aged80"), zero("bedridden"), zero("disabled"), zero("children"), c("phone"), means(c("means"))}
	}
	res.CSV = writeCSV(evac.HouseholdsHeader, recs)
	if _, err := evac.ReadHouseholdsCSV(bytes.NewReader(res.CSV), opt.Scenario); err != nil {
		return nil, t.translate(err)
	}
	return res, nil
}

func gridID(sc *geo.Scenario, v string) string {
	for _, g := range sc.Grids {
		if g.ID == v || g.Name == v || strings.EqualFold(g.NameEn, v) {
			return g.ID
		}
	}
	return v
}
