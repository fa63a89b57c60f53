// Package xlsx reads the spreadsheets towns keep (the responder roster and
// the household registry, typed in Excel with Chinese headers) and turns them
// into the CSV files of a scenario folder. The header mapping is documented
// in docs/NEW_TOWN.md; every value is then checked by the very readers serve
// uses (dispatch.ReadRosterCSV, evac.ReadHouseholdsCSV), and each problem is
// reported by spreadsheet row and column letter.
package xlsx

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// column is one column of the CSV a scenario uses and the spreadsheet
// headers accepted for it (compared without spaces, case-insensitively).
type column struct {
	name     string
	aliases  []string
	required bool
}

// CellError is one problem in the spreadsheet: its row (1-based, as Excel
// shows it), column letter and header, the cell's value and the rule broken.
type CellError struct {
	Row    int
	Col    string // "C"; empty for the row as a whole
	Header string // the sheet's own header of that column, e.g. 电话
	Value  string
	Rule   string
}

func (e *CellError) Error() string {
	if e.Col == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Rule)
	}
	return fmt.Sprintf("row %d, column %s (%s), value %q: %s", e.Row, e.Col, e.Header, e.Value, e.Rule)
}

// Errors is every problem of one sheet; nothing is written while there are any.
type Errors struct {
	File     string
	Problems []*CellError
}

func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return fmt.Sprintf("%s: %d problem(s):\n%s", e.File, len(e.Problems), strings.Join(lines, "\n"))
}

// table is a sheet read against a schema: the header row found, which sheet
// column feeds each CSV column, and the data rows with their sheet row numbers.
type table struct {
	headerRow int
	colOf     map[string]int // CSV column → sheet column index
	header    []string       // the sheet's header cells
	rows      [][]string
	rowNum    []int
	ignored   []string // sheet headers that map to nothing
}

// readTable opens the first sheet (or the named one) and finds the header:
// the first of the top 10 rows naming at least two known columns, so a title
// row above the header (花名册 …) is fine.
func readTable(r io.Reader, sheet string, schema []column) (*table, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("not an Excel .xlsx file: %w", err)
	}
	defer f.Close()
	if sheet == "" {
		sheet = f.GetSheetName(0)
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", sheet, err)
	}
	t := &table{colOf: map[string]int{}}
	for i := 0; i < len(rows) && i < 10; i++ {
		m := matchHeader(rows[i], schema)
		if len(m) >= 2 {
			t.headerRow, t.colOf, t.header = i+1, m, rows[i]
			break
		}
	}
	if t.headerRow == 0 {
		return nil, fmt.Errorf("sheet %q: no header row found in the first 10 rows (want columns such as %s)", sheet, aliasList(schema))
	}
	var missing []string
	for _, c := range schema {
		if _, ok := t.colOf[c.name]; !ok && c.required {
			missing = append(missing, fmt.Sprintf("%s (%s)", c.name, strings.Join(c.aliases, "/")))
		}
	}
	if len(missing) > 0 {
		return nil, &Errors{File: sheet, Problems: []*CellError{{Row: t.headerRow, Rule: "missing column(s): " + strings.Join(missing, ", ")}}}
	}
	used := map[int]bool{}
	for _, i := range t.colOf {
		used[i] = true
	}
	for i, h := range t.header {
		if !used[i] && strings.TrimSpace(h) != "" {
			t.ignored = append(t.ignored, strings.TrimSpace(h))
		}
	}
	for i := t.headerRow; i < len(rows); i++ {
		if blank(rows[i]) {
			continue
		}
		t.rows = append(t.rows, rows[i])
		t.rowNum = append(t.rowNum, i+1)
	}
	return t, nil
}

func matchHeader(row []string, schema []column) map[string]int {
	m := map[string]int{}
	for i, cell := range row {
		h := normal(cell)
		for _, c := range schema {
			if _, taken := m[c.name]; taken {
				continue
			}
			if h == normal(c.name) || containsNormal(c.aliases, h) {
				m[c.name] = i
				break
			}
		}
	}
	return m
}

func normal(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	return strings.NewReplacer("（", "(", "）", ")", "：", "", ":", "").Replace(s)
}

func containsNormal(list []string, h string) bool {
	for _, a := range list {
		if normal(a) == h {
			return true
		}
	}
	return false
}

func aliasList(schema []column) string {
	var parts []string
	for _, c := range schema {
		if c.required {
			parts = append(parts, c.aliases[0])
		}
	}
	return strings.Join(parts, ", ")
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// cell returns the value of a CSV column in data row i, "" when the sheet lacks it.
func (t *table) cell(i int, name string) string {
	j, ok := t.colOf[name]
	if !ok || j >= len(t.rows[i]) {
		return ""
	}
	// one spreadsheet row must stay one CSV line, so row numbers line up
	return strings.Join(strings.Fields(t.rows[i][j]), " ")
}

// locate turns a CSV line (header = 1) and column name back into the sheet's
// row, column letter and header.
func (t *table) locate(line int, col string) (row int, letter, header string) {
	row = t.headerRow
	if i := line - 2; i >= 0 && i < len(t.rowNum) {
		row = t.rowNum[i]
	}
	if j, ok := t.colOf[col]; ok {
		letter, _ = excelize.ColumnNumberToName(j + 1)
		if j < len(t.header) {
			header = strings.TrimSpace(t.header[j])
		}
	}
	return row, letter, header
}

// writeCSV writes header and records as the scenario's CSV.
func writeCSV(header []string, records [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records) // WriteAll flushes; a bytes.Buffer cannot fail
	return b.Bytes()
}
