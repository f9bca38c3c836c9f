package xlsform

import (
	"slices"
	"strconv"
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// loc is where a definition's field came from: a sheet, a row, a column.
type loc struct {
	sheet  string
	row    int
	column string
	cell   string
}

// converter turns the sheets into a definition, collecting every problem
// and warning on the way, and where each field came from (locs: JSON
// pointer -> cell), so that validation's problems are shown as rows.
type converter struct {
	wb                 *workbook
	sv, ch, st, sp     *columns
	def                surveys.Definition
	problems, warnings []Problem
	locs               map[string]loc
	lists              map[string]*choiceList
	names              map[string]bool // every name of the survey sheet
	notes              []pendingNote
	questions          int // questions placed so far
	relevants          []pendingRelevant
	renames            renames
	// moreProblems and moreWarnings count those past maxProblems.
	moreProblems, moreWarnings int
}

// relSrc is one relevant expression a question is shown under: its own,
// or a group's it is in.
type relSrc struct {
	r      *row
	column string
	expr   string
}

type pendingRelevant struct {
	si, qi int
	srcs   []relSrc
}

type pendingNote struct {
	r    *row
	text surveys.Text
}

// convert converts the workbook's sheets.
func convert(wb *workbook, opts Options) (*Result, error) {
	for _, p := range wb.problems {
		if p.Code != CodeCellTooLong {
			// A sheet read only in part would convert into nonsense.
			return nil, &Error{Problems: wb.problems}
		}
	}
	if wb.survey == nil || len(wb.survey.headers) == 0 {
		name := sheetSurvey
		if wb.survey != nil {
			name = wb.survey.name
		}
		return nil, &Error{Problems: append(wb.problems, Problem{Sheet: name, Code: CodeNoSurveySheet})}
	}
	c := &converter{
		wb: wb, sv: newColumns(wb.survey), ch: newColumns(wb.choices), st: newColumns(wb.settings), sp: newColumns(wb.support),
		locs: map[string]loc{}, lists: map[string]*choiceList{}, names: map[string]bool{},
	}
	c.problems = append(c.problems, wb.problems...)
	if !c.structure() {
		return nil, &Error{Problems: c.problems}
	}
	c.lowercaseNames()
	c.languages()
	c.choices()
	c.settings()
	c.support()
	c.body(c.tree())
	c.leftoverNotes()
	c.conditions()
	c.title()
	if len(c.def.SupportResources) == 0 && len(opts.DefaultSupport) > 0 {
		c.def.SupportResources = surveys.DefaultSupport(opts.DefaultSupport, c.def.Languages)
	}
	return c.finish()
}

// structure checks the columns every sheet needs, and headers written
// twice. It reports false when the survey sheet cannot be read at all.
func (c *converter) structure() bool {
	ok := true
	for _, need := range []struct {
		cs   *columns
		base string
	}{{c.sv, "type"}, {c.sv, "name"}, {c.ch, "list_name"}, {c.ch, "name"}} {
		if need.cs.s == nil || len(need.cs.s.headers) == 0 || need.cs.has(need.base) {
			continue
		}
		c.problem(need.cs.s, need.cs.s.headerRow, "", "", CodeMissingColumn, map[string]any{"Column": need.base})
		ok = ok && need.cs != c.sv
	}
	for _, cs := range []*columns{c.sv, c.ch, c.st, c.sp} {
		seen := map[string]bool{}
		for _, col := range cs.all {
			key := col.base + "\x00" + strings.ToLower(col.lang)
			if seen[key] {
				c.problem(cs.s, cs.s.headerRow, col.raw, col.raw, CodeDuplicateColumn, map[string]any{"Column": col.raw})
				ok = ok && cs != c.sv
			}
			seen[key] = true
		}
	}
	return ok
}

// problem records a problem; warn a warning.
func (c *converter) problem(s *sheet, n int, column, cell string, code Code, params map[string]any) {
	c.addProblem(Problem{Sheet: sheetName(s), Row: n, Column: column, Cell: cut(cell), Code: code, Params: params})
}

func (c *converter) warn(s *sheet, n int, column, cell string, code Code, params map[string]any) {
	if len(c.warnings) >= maxProblems {
		c.moreWarnings++
		return
	}
	c.warnings = append(c.warnings, Problem{Sheet: sheetName(s), Row: n, Column: column, Cell: cut(cell), Code: code, Params: params})
}

// addProblem records a problem, counting those past maxProblems.
func (c *converter) addProblem(p Problem) {
	if len(c.problems) >= maxProblems {
		c.moreProblems++
		return
	}
	c.problems = append(c.problems, p)
}

// capped adds to a list cut at maxProblems one entry saying how many more
// there are.
func (c *converter) capped(ps []Problem, more int) []Problem {
	if more == 0 {
		return ps
	}
	return append(ps, Problem{Sheet: c.wb.survey.name, Code: CodeMore, Params: map[string]any{"Count": more}})
}

// sheetName is a sheet's name as written; the only sheet a problem may
// name without the workbook having it is settings (a default language or
// a title assumed).
func sheetName(s *sheet) string {
	if s == nil {
		return sheetSettings
	}
	return s.name
}

// cellProblem records a problem at the row's cell under base.
func (c *converter) cellProblem(cs *columns, r *row, base string, code Code, params map[string]any) {
	v, h := cs.get(r, base)
	c.problem(cs.s, r.n, h, v, code, params)
}

func (c *converter) cellWarning(cs *columns, r *row, base string, code Code, params map[string]any) {
	v, h := cs.get(r, base)
	c.warn(cs.s, r.n, h, v, code, params)
}

// locate records that the field at ptr came from the row's cell under
// base (the first such column); the first record of a pointer wins.
func (c *converter) locate(ptr string, cs *columns, r *row, base string) {
	if _, ok := c.locs[ptr]; ok || cs.s == nil {
		return
	}
	if base == "" {
		c.locs[ptr] = loc{sheet: cs.s.name, row: r.n}
		return
	}
	v, h := cs.get(r, base)
	c.locs[ptr] = loc{sheet: cs.s.name, row: r.n, column: h, cell: v}
}

// text reads a text from the row's columns named base, one per language;
// ptr (when not "") records where each language's text came from.
func (c *converter) text(cs *columns, r *row, base, ptr string) surveys.Text {
	var t surveys.Text
	for _, k := range cs.byBase[base] {
		col := &cs.all[k]
		if col.code == "" {
			continue // a language that could not be read: reported
		}
		if ptr != "" {
			if _, ok := c.locs[ptr]; !ok {
				c.locs[ptr] = loc{sheet: cs.s.name, row: r.n, column: col.raw, cell: r.cell(col.i)}
			}
			if _, ok := c.locs[ptr+"/"+col.code]; !ok || col.lang != "" {
				c.locs[ptr+"/"+col.code] = loc{sheet: cs.s.name, row: r.n, column: col.raw, cell: r.cell(col.i)}
			}
		}
		v := r.cell(col.i)
		if v == "" {
			continue
		}
		if t == nil {
			t = surveys.Text{}
		}
		if _, taken := t[col.code]; taken && col.lang == "" {
			continue // a column naming its language wins over one that does not
		}
		t[col.code] = v
	}
	return t
}

// finish validates the definition and gives the result, or every problem.
// Validation runs even when converting found problems, so that an
// organiser sees all at once; only its findings about conditions are then
// left out, since they may only echo a row refused above.
func (c *converter) finish() (*Result, error) {
	failed := len(c.problems) > 0
	reported := map[loc]bool{}
	for _, p := range c.problems {
		reported[loc{sheet: p.Sheet, row: p.Row, column: p.Column}] = true
	}
	if err := c.def.Validate(); err != nil {
		ve, ok := err.(*surveys.ValidationError)
		if !ok {
			return nil, err
		}
		for _, fe := range ve.Errors {
			if failed && slices.Contains(conditionCodes, fe.Code) {
				continue
			}
			p := c.mapped(fe)
			if reported[loc{sheet: p.Sheet, row: p.Row, column: p.Column}] {
				continue // a cell already reported says more than validation's echo of it
			}
			c.addProblem(p)
		}
	}
	if len(c.problems) > 0 {
		return nil, &Error{Problems: c.capped(c.sorted(dedupe(c.problems)), c.moreProblems)}
	}
	return &Result{Definition: c.def, Warnings: c.capped(c.sorted(dedupe(c.warnings)), c.moreWarnings)}, nil
}

var conditionCodes = []surveys.Code{surveys.CodeUnknownQuestion, surveys.CodeLaterQuestion, surveys.CodeUnknownOption,
	surveys.CodeOperatorNotAllowed}

// mapped is a validation problem at its cell: the field's pointer, or the
// nearest enclosing one, looked up among the recorded locations.
func (c *converter) mapped(fe surveys.FieldError) Problem {
	if fe.Code == surveys.CodeRequired {
		// A whole part missing says more in a message of its own than
		// "required" at a cell that is not there.
		switch fe.Pointer {
		case "/sections":
			return Problem{Sheet: c.wb.survey.name, Code: CodeNoQuestions}
		case "/support_resources":
			return Problem{Sheet: sheetSupport, Code: CodeSupportRequired}
		case "/content_note":
			return Problem{Sheet: sheetName(c.st.s), Code: CodeContentNote,
				Params: map[string]any{"Language": languageHeader(c.def.DefaultLanguage)}}
		}
	}
	for p := fe.Pointer; p != ""; {
		if l, ok := c.locs[p]; ok {
			return Problem{Sheet: l.sheet, Row: l.row, Column: l.column, Cell: cut(l.cell), Code: fe.Code, Params: fe.Params}
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return Problem{Sheet: c.wb.survey.name, Code: fe.Code, Params: fe.Params}
}

// dedupe drops a problem repeated at the same cell (a list shared by two
// questions is validated twice).
func dedupe(ps []Problem) []Problem {
	seen := map[string]bool{}
	out := ps[:0:0]
	for _, p := range ps {
		key := p.Sheet + "\x00" + p.Column + "\x00" + string(p.Code) + "\x00" + strconv.Itoa(p.Row)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	return out
}

// sorted orders problems by sheet (survey, choices, settings, the rest),
// then row; problems of one row keep their order.
func (c *converter) sorted(ps []Problem) []Problem {
	rank := func(s string) int {
		switch s {
		case sheetName(c.wb.survey):
			return 0
		case sheetName(c.wb.choices):
			return 1
		case sheetName(c.wb.settings):
			return 2
		}
		return 3
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if d := rank(a.Sheet) - rank(b.Sheet); d != 0 {
			return d
		}
		return a.Row - b.Row
	})
	return ps
}
