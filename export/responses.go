package export

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// ResponsesHeader is the header row of a response-level CSV: the
// submission day, then one column per question (multiple choice and
// ranking: one per option; matrix: one per statement; an "other, please
// say" text its own column, id.other_text). Nothing else: no time, no
// identifier.
func ResponsesHeader(def *surveys.Definition) []string {
	cols := []string{"day", "revision", "lang"}
	for _, q := range def.Questions() {
		switch q.Type {
		case surveys.MultipleChoice, surveys.Ranking:
			for _, o := range q.Options {
				cols = append(cols, q.ID+"."+o.Code)
			}
		case surveys.Matrix:
			for _, st := range q.Statements {
				cols = append(cols, q.ID+"."+st.Code)
			}
		default:
			cols = append(cols, q.ID)
		}
		if hasOther(q) {
			cols = append(cols, q.ID+".other_text")
		}
	}
	return cols
}

func hasOther(q *surveys.Question) bool {
	for _, o := range q.Options {
		if o.Other {
			return true
		}
	}
	return false
}

// ResponseRow is one response as a CSV row matching ResponsesHeader.
// Multiple choice: 1 chosen, 0 not (empty when unanswered); ranking: the
// option's place; scale and matrix: the point or "dont_know"; free text
// as stored (scrubbed of contact details), kept from being read as a
// formula.
func ResponseRow(def *surveys.Definition, r *surveys.Response) []string {
	return responseValues(def, r, csvText)
}

// numericColumns says which columns of ResponsesHeader hold numbers (or
// "dont_know", or nothing).
func numericColumns(def *surveys.Definition) []bool {
	cols := []bool{false, true, false}
	for _, q := range def.Questions() {
		switch q.Type {
		case surveys.MultipleChoice, surveys.Ranking:
			for range q.Options {
				cols = append(cols, true)
			}
		case surveys.Matrix:
			for range q.Statements {
				cols = append(cols, true)
			}
		case surveys.Scale, surveys.Number:
			cols = append(cols, true)
		default:
			cols = append(cols, false)
		}
		if hasOther(q) {
			cols = append(cols, false)
		}
	}
	return cols
}

// responseValues is a response's row, with free text passed through text.
func responseValues(def *surveys.Definition, r *surveys.Response, text func(string) string) []string {
	row := []string{r.Day, strconv.Itoa(r.Revision), r.Lang}
	for _, q := range def.Questions() {
		a, ok := r.Answers[q.ID]
		switch q.Type {
		case surveys.MultipleChoice:
			for _, o := range q.Options {
				v := ""
				if ok {
					v = "0"
					for _, c := range a.Choices {
						if c == o.Code {
							v = "1"
						}
					}
				}
				row = append(row, v)
			}
		case surveys.Ranking:
			for _, o := range q.Options {
				v := ""
				for i, c := range a.Order {
					if c == o.Code {
						v = strconv.Itoa(i + 1)
					}
				}
				row = append(row, v)
			}
		case surveys.Matrix:
			for _, st := range q.Statements {
				v := ""
				if p, in := a.Rows[st.Code]; in {
					v = pointText(p, p == 0)
				}
				row = append(row, v)
			}
		case surveys.SingleChoice:
			row = append(row, a.Choice)
		case surveys.Scale:
			v := ""
			if ok {
				v = pointText(a.Point, a.DontKnow)
			}
			row = append(row, v)
		case surveys.Number:
			v := ""
			if ok {
				v = strconv.FormatFloat(a.Number, 'f', -1, 64)
			}
			row = append(row, v)
		case surveys.FreeText:
			row = append(row, text(a.Text))
		}
		if hasOther(q) {
			row = append(row, text(a.Other))
		}
	}
	return row
}

func pointText(p int, dontKnow bool) string {
	if dontKnow {
		return surveys.DontKnowValue
	}
	return strconv.Itoa(p)
}

// ResponsesCSV streams responses as CSV: the header, then one row per
// response from next, which returns io.EOF when there are no more.
// Memory stays flat however many responses there are.
func ResponsesCSV(w io.Writer, def *surveys.Definition, next func() (*surveys.Response, error)) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(ResponsesHeader(def)); err != nil {
		return 0, err
	}
	n, err := eachResponse(next, func(r *surveys.Response) error { return cw.Write(ResponseRow(def, r)) })
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

// xlMaxRows is how many rows an Excel sheet holds (tests lower it).
var xlMaxRows = 1_048_576

// ResponsesXLSX streams responses as an Excel workbook with the columns of
// ResponsesHeader: a frozen header row, then one row per response from
// next (io.EOF: no more). Numbers are numbers; codes, "dont_know" and free
// text are text (a cell of text is never a formula in XLSX, so text is
// kept as written). Past Excel's row limit the rows go on in a sheet
// "responses 2", and so on. excelize's stream writer keeps big sheets in
// a temporary file, so memory stays flat.
func ResponsesXLSX(w io.Writer, def *surveys.Definition, next func() (*surveys.Response, error)) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	header := ResponsesHeader(def)
	numeric := numericColumns(def)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return 0, err
	}
	var sw *excelize.StreamWriter
	sheets, row := 0, 0
	newSheet := func() error {
		if sw != nil {
			if err := sw.Flush(); err != nil {
				return err
			}
		}
		sheets++
		name := "responses"
		if sheets == 1 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else {
			name += " " + strconv.Itoa(sheets)
			if _, err := f.NewSheet(name); err != nil {
				return err
			}
		}
		if sw, err = f.NewStreamWriter(name); err != nil {
			return err
		}
		if err := sw.SetPanes(xlFrozen(0, 1)); err != nil {
			return err
		}
		cells := make([]any, len(header))
		for i, h := range header {
			cells[i] = excelize.Cell{StyleID: bold, Value: h}
		}
		row = 1
		return sw.SetRow("A1", cells)
	}
	if err := newSheet(); err != nil {
		return 0, err
	}
	cells := make([]any, len(header))
	n, err := eachResponse(next, func(r *surveys.Response) error {
		if row == xlMaxRows {
			if err := newSheet(); err != nil {
				return err
			}
		}
		for i, v := range responseValues(def, r, func(s string) string { return s }) {
			cells[i] = xlResponseCell(v, numeric[i])
		}
		row++
		ref, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, cells)
	})
	if err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	return n, f.Write(w)
}

// xlResponseCell is a value of a response row as a cell: empty for
// nothing, a number in a numeric column, text otherwise.
func xlResponseCell(v string, numeric bool) any {
	if v == "" {
		return nil
	}
	if numeric {
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return x
		}
	}
	return v
}

// eachResponse calls write with every response from next until io.EOF,
// and returns how many it wrote.
func eachResponse(next func() (*surveys.Response, error), write func(*surveys.Response) error) (int, error) {
	n := 0
	for {
		r, err := next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := write(r); err != nil {
			return n, err
		}
		n++
	}
}
