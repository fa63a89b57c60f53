package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/geo"
)

// Options tune a spreadsheet import.
type Options struct {
	Sheet string // sheet name; the first sheet when empty
	// Scenario, when given, turns village and grid names into their ids and
	// places a responder or household without coordinates at its village's or
	// grid's centre. Households need it (grids are checked against it).
	Scenario *geo.Scenario
}

// Result is the CSV a scenario uses, with what the import had to guess.
type Result struct {
	CSV        []byte
	Rows       int
	Ignored    []string // sheet headers that map to no column
	Positioned int      // rows without coordinates placed at their village/grid centre
}

// rosterColumns is the documented header mapping of the roster (docs/NEW_TOWN.md).
var rosterColumns = []column{
	{"id", []string{"编号", "工号", "队员编号", "ID"}, false},
	{"name", []string{"姓名", "名字", "队员姓名"}, true},
	{"name_en", []string{"英文名", "英文姓名", "拼音"}, false},
	{"tier", []string{"级别", "层级", "队伍级别"}, true},
	{"village", []string{"村", "村（社区）", "所属村", "村居", "村社区", "村名"}, false},
	{"team", []string{"队伍", "所属队伍", "分队", "队伍名称"}, false},
	{"capabilities", []string{"能力", "技能", "专长", "特长"}, true},
	{"phone", []string{"电话", "手机", "联系电话", "手机号", "手机号码"}, true},
	{"lon", []string{"经度"}, false},
	{"lat", []string{"纬度"}, false},
	{"reserve", []string{"预备", "预备队", "后备", "是否预备"}, false},
}

var tierWords = map[string]string{
	"镇级": "town", "镇": "town", "乡镇": "town", "镇级队伍": "town", "镇队": "town", "town": "town",
	"村级": "village", "村": "village", "村级队伍": "village", "村队": "village", "village": "village",
}

var capabilityWords = map[string]dispatch.Capability{
	"转移": dispatch.CapEvacuation, "疏散": dispatch.CapEvacuation, "转移群众": dispatch.CapEvacuation,
	"冲锋舟": dispatch.CapRescueBoat, "救生艇": dispatch.CapRescueBoat, "水上救援": dispatch.CapRescueBoat, "舟艇": dispatch.CapRescueBoat,
	"医疗": dispatch.CapMedical, "医护": dispatch.CapMedical, "急救": dispatch.CapMedical,
	"机械": dispatch.CapMachinery, "工程机械": dispatch.CapMachinery,
	"排涝": dispatch.CapDrainage, "排水": dispatch.CapDrainage, "抽水": dispatch.CapDrainage,
	"巡查": dispatch.CapPatrol, "巡逻": dispatch.CapPatrol, "巡堤": dispatch.CapPatrol,
	"救援": "rescue", "抢险": "rescue",
}

var yesWords = map[string]string{"是": "true", "√": "true", "✓": "true", "否": "false", "×": "false"}

// Roster reads a roster spreadsheet into roster.csv (dispatch.RosterHeader),
// checked row by row exactly as serve checks roster.csv.
func Roster(r io.Reader, opt Options) (*Result, error) {
	t, err := readTable(r, opt.Sheet, rosterColumns)
	if err != nil {
		return nil, err
	}
	res := &Result{Ignored: t.ignored, Rows: len(t.rows)}
	recs := make([][]string, len(t.rows))
	for i := range t.rows {
		c := func(name string) string { return t.cell(i, name) }
		id := c("id")
		if id == "" {
			id = fmt.Sprintf("row-%d", t.rowNum[i]) // the sheet's row: stable while the sheet is
		}
		tier := c("tier")
		if w, ok := tierWords[strings.ToLower(tier)]; ok {
			tier = w
		}
		village := villageID(opt.Scenario, c("village"))
		lon, lat := c("lon"), c("lat")
		if lon == "" && lat == "" && opt.Scenario != nil {
			p := opt.Scenario.Town.Center
			if v, ok := opt.Scenario.Village(village); ok {
				p = v.Center
			}
			lon, lat = strconv.FormatFloat(p[0], 'f', 6, 64), strconv.FormatFloat(p[1], 'f', 6, 64)
			res.Positioned++
		}
		reserve := c("reserve")
		if w, ok := yesWords[reserve]; ok {
			reserve = w
		}
		recs[i] = []string{id, c("name"), c("name_en"), tier, village, c("team"), capabilities(c("capabilities")),
			c("phone"), lon, lat, reserve}
	}
	res.CSV = writeCSV(dispatch.RosterHeader, recs)
	if _, err := dispatch.ReadRosterCSV(bytes.NewReader(res.CSV)); err != nil {
		return nil, t.translate(err)
	}
	return res, nil
}

// capabilities turns "转移、冲锋舟，医疗" into "evacuation|rescue_boat|medical";
// words not in the table are kept as they are (towns may add their own).
func capabilities(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、，,;；|/ ", r) })
	var out []string
	for _, f := range fields {
		if c, ok := capabilityWords[f]; ok {
			f = string(c)
		}
		out = append(out, f)
	}
	return strings.Join(out, "|")
}

func villageID(sc *geo.Scenario, v string) string {
	if sc == nil || v == "" {
		return v
	}
	for _, vil := range sc.Villages {
		if vil.ID == v || vil.Name == v || strings.EqualFold(vil.NameEn, v) {
			return vil.ID
		}
	}
	return v
}

// translate maps the CSV readers' row errors (dispatch.RowError joined, or
// an evac.ImportError) back to sheet rows and columns.
func (t *table) translate(err error) error {
	var list []error
	var imp *evac.ImportError
	if errors.As(err, &imp) {
		for _, p := range imp.Problems {
			list = append(list, p)
		}
	} else if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := &Errors{File: "sheet"}
	for _, e := range list {
		var line int
		var col, val, rule string
		var re *errcode.Error
		switch {
		case errors.As(e, &re) && re.Row > 0:
			line, col, val, rule = re.Row, re.Field, re.Value, re.Rule
		default:
			out.Problems = append(out.Problems, &CellError{Row: t.headerRow, Rule: e.Error()})
			continue
		}
		row, letter, header := t.locate(line, col)
		out.Problems = append(out.Problems, &CellError{Row: row, Col: letter, Header: header, Value: val, Rule: rule})
	}
	return out
}
