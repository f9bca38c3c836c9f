package export

import (
	"encoding/csv"
	"io"
	"strconv"

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
// as stored (scrubbed of contact details).
func ResponseRow(def *surveys.Definition, r *surveys.Response) []string {
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
			row = append(row, csvText(a.Text))
		}
		if hasOther(q) {
			row = append(row, csvText(a.Other))
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
	n := 0
	for {
		r, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		if err := cw.Write(ResponseRow(def, r)); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	return n, cw.Error()
}
