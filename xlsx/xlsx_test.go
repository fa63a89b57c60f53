package xlsx_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/xuri/excelize/v2"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
	"github.com/floodcmd/floodcmd/xlsx"
)

// book builds an .xlsx in memory as a town clerk would type it: a title row,
// then the header, then data (numbers as numbers, as Excel stores them).
func book(t *testing.T, rows [][]any) *bytes.Reader {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

// near: coordinates are written with 6 decimals (about 10 cm).
func near(a, b orb.Point) bool { return math.Abs(a[0]-b[0]) < 1e-6 && math.Abs(a[1]-b[1]) < 1e-6 }

func duhu(t *testing.T) *geo.Scenario {
	t.Helper()
	fsys, err := scenario.Open("duhu")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := geo.LoadScenario(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestRosterChineseHeaders(t *testing.T) {
	sc := duhu(t)
	r := book(t, [][]any{
		{"都斛镇防汛应急队伍花名册"},
		{"编号", "姓名", "级别", "村", "队伍", "能力", "电话", "预备", "备注"},
		{"t-1", "马家英", "镇级", "都斛圩", "镇民兵应急分队", "转移、冲锋舟", 13800000001, "否", "队长"},
		{"v-1", "李玲", "村级", "南村", "南村抢险队", "巡查，排涝", 13800000002, "是", ""},
	})
	res, err := xlsx.Roster(r, xlsx.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dispatch.ReadRosterCSV(bytes.NewReader(res.CSV))
	if err != nil {
		t.Fatalf("the written CSV does not read back: %v\n%s", err, res.CSV)
	}
	if len(got) != 2 || res.Rows != 2 {
		t.Fatalf("got %d responders from %d rows, want 2", len(got), res.Rows)
	}
	a, b := got[0], got[1]
	if a.Tier != dispatch.TierTown || a.Village != "duhuxu" || a.Phone != "13800000001" || a.Reserve ||
		!a.Has(dispatch.CapEvacuation) || !a.Has(dispatch.CapRescueBoat) {
		t.Errorf("first responder read wrong: %+v", a)
	}
	if b.Tier != dispatch.TierVillage || b.Village != "nancun" || !b.Reserve || !b.Has(dispatch.CapPatrol) || !b.Has(dispatch.CapDrainage) {
		t.Errorf("second responder read wrong: %+v", b)
	}
	if v, _ := sc.Village("nancun"); !near(b.Home, v.Center) {
		t.Errorf("a responder without coordinates is at %v, want the village centre %v", b.Home, v.Center)
	}
	if res.Positioned != 2 || len(res.Ignored) != 1 || res.Ignored[0] != "备注" {
		t.Errorf("positioned %d, ignored %v; want 2 and [备注]", res.Positioned, res.Ignored)
	}
}

func TestRosterBadRowsByRowAndColumn(t *testing.T) {
	r := book(t, [][]any{
		{"姓名", "级别", "村", "能力", "电话", "经度", "纬度"},
		{"马家英", "镇级", "", "转移", 13800000001, 112.9, 22.07},
		{"", "乡级", "", "转移", 13800000002, 112.9, 22.07},
		{"李玲", "村级", "", "", 13800000003, 212.9, 22.07},
	})
	_, err := xlsx.Roster(r, xlsx.Options{})
	var e *xlsx.Errors
	if !errors.As(err, &e) {
		t.Fatalf("want *xlsx.Errors, got %v", err)
	}
	want := []string{
		`row 3, column A (姓名), value "": must not be empty`,
		`row 3, column B (级别), value "乡级": must be "town" or "village"`,
		`row 4, column C (村), value "": a village-tier responder needs a village`,
		`row 4, column D (能力), value "": need at least one capability`,
		`row 4, column F (经度), value "212.9": must be a number in [-180, 180]`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if len(e.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(e.Problems), len(want), msg)
	}
}

func TestRosterMissingColumn(t *testing.T) {
	_, err := xlsx.Roster(book(t, [][]any{{"姓名", "级别", "电话"}, {"马家英", "镇级", 1}}), xlsx.Options{})
	if err == nil || !strings.Contains(err.Error(), "missing column(s): capabilities (能力") {
		t.Fatalf("want a missing 能力 column, got %v", err)
	}
	_, err = xlsx.Roster(bytes.NewReader([]byte("id,name\n")), xlsx.Options{})
	if err == nil || !strings.Contains(err.Error(), "not an Excel .xlsx file") {
		t.Fatalf("a CSV given as xlsx: %v", err)
	}
}

func TestHouseholdsChineseHeaders(t *testing.T) {
	sc := duhu(t)
	g := sc.Grids[0]
	r := book(t, [][]any{
		{"户编号", "户主", "网格", "地址", "纬度", "经度", "人口", "80岁以上", "卧床", "残疾", "儿童", "联系电话"},
		{"h1", "陈大", g.Name, "一号", g.Center[1], g.Center[0], 4, 1, "", "", 2, 13900000001},
		{"h2", "陈二", g.ID, "二号", "", "", "3人", "", 1, "", "", ""},
	})
	res, err := xlsx.Households(r, xlsx.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := evac.ReadHouseholdsCSV(bytes.NewReader(res.CSV), sc)
	if err != nil {
		t.Fatalf("the written CSV does not read back: %v\n%s", err, res.CSV)
	}
	if len(hs) != 2 || hs[0].Grid != g.ID || hs[0].Members != 4 || hs[0].Aged80 != 1 || hs[0].Children != 2 ||
		hs[1].Members != 3 || hs[1].Bedridden != 1 || !near(hs[1].At, g.Center) {
		t.Fatalf("households read wrong: %+v", hs)
	}
	if res.Positioned != 1 {
		t.Errorf("positioned %d, want 1", res.Positioned)
	}
}

func TestHouseholdsBadRowsByRowAndColumn(t *testing.T) {
	sc := duhu(t)
	g := sc.Grids[0]
	r := book(t, [][]any{
		{"住户登记表"},
		{"户编号", "网格", "地址", "纬度", "经度", "人口", "80岁以上", "卧床", "残疾", "儿童"},
		{"h1", g.ID, "一号", g.Center[1], g.Center[0], 2, 1, 1, 1, 0},
		{"h1", "不存在的网格", "二号", g.Center[0], g.Center[1], 0, "", "", "", ""},
	})
	_, err := xlsx.Households(r, xlsx.Options{Scenario: sc})
	var e *xlsx.Errors
	if !errors.As(err, &e) {
		t.Fatalf("want *xlsx.Errors, got %v", err)
	}
	msg := err.Error()
	for _, w := range []string{
		`row 3, column F (人口), value "2": aged80+bedridden+disabled+children = 3 is more than the members`,
		`row 4, column A (户编号), value "h1": duplicate id, first used on row 2`,
		`row 4, column B (网格), value "不存在的网格": unknown grid`,
		`row 4, column D (纬度)`,
		`row 4, column F (人口), value "0": must be a whole number ≥ 1`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
}
