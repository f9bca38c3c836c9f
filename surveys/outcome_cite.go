package surveys

import (
	"slices"
	"strings"
)

// Citing released numbers. A finding names what it cites; the number is
// read here from the survey's current release after disclosure control
// (Protected.Results, the tables analysts see), never from the live tally
// and never from the request. A citation of a survey without a release,
// of a group held back or of a suppressed count is refused with the
// pointer of the field that asks for it.

// ReleasedSurvey is one survey's current release, protected, from which
// citations are resolved; the tables are rendered once per breakdown and
// language.
type ReleasedSurvey struct {
	Ref       ReleaseRef
	Title     Text
	Protected *Protected
	// NotAnswered labels the group of those who did not answer a
	// breakdown question, in a language.
	NotAnswered func(lang string) string
	results     map[[2]string]Results
}

func (rs *ReleasedSurvey) tables(lang, by string) Results {
	key := [2]string{lang, by}
	if r, ok := rs.results[key]; ok {
		return r
	}
	if rs.results == nil {
		rs.results = map[[2]string]Results{}
	}
	na := ""
	if rs.NotAnswered != nil {
		na = rs.NotAnswered(lang)
	}
	r := rs.Protected.Results(lang, by, na)
	rs.results[key] = r
	return r
}

// citedCell is where a citation points in one language's tables.
type citedCell struct {
	group     *GroupResults
	question  *QuestionResults
	statement *StatementResults
	option    *LabelledCount
}

// locate finds the citation in one language's tables; the field error
// says which part does not exist or is not shown.
func (rs *ReleasedSurvey) locate(ptr string, c Citation, lang string) (citedCell, *FieldError) {
	var cell citedCell
	bad := func(field string, code Code) (citedCell, *FieldError) {
		var params map[string]any
		switch code {
		case CodeNotBreakdown:
			params = map[string]any{"Question": c.By, "Breakdowns": rs.Protected.breakdownIDs()}
		case CodeUnknownOption:
			params = map[string]any{"Code": map[string]string{"group": c.Group, "statement": c.Statement, "option": c.Option}[field]}
		}
		return cell, &FieldError{Pointer: ptr + "/" + field, Code: code, Params: params}
	}
	if rs.Protected == nil {
		return bad("survey", CodeNotReleased)
	}
	r := rs.tables(lang, c.By)
	switch {
	case r.Withheld || len(r.Groups) == 0:
		return bad("survey", CodeNotReleased)
	case c.By != "" && r.By != c.By:
		return bad("by", CodeNotBreakdown)
	}
	cell.group = citedGroup(r, c)
	switch {
	case cell.group == nil:
		return bad("group", CodeUnknownOption)
	case cell.group.Hidden:
		return bad("group", CodeSuppressedNumber)
	}
	if field, code := cell.find(c); code != "" {
		return bad(field, code)
	}
	return cell, nil
}

// citedGroup is the group a citation names: everyone (the first) without
// a breakdown, else the breakdown's group of its code.
func citedGroup(r Results, c Citation) *GroupResults {
	for i := range r.Groups {
		g := &r.Groups[i]
		if (c.By == "" && i == 0) || (c.By != "" && i > 0 && g.Code == c.Group) {
			return g
		}
	}
	return nil
}

// find finds the citation's question, statement and option in the
// group, or names the field that is wrong and why.
func (cell *citedCell) find(c Citation) (string, Code) {
	for i := range cell.group.Questions {
		if cell.group.Questions[i].ID == c.Question {
			cell.question = &cell.group.Questions[i]
		}
	}
	q := cell.question
	switch {
	case q == nil:
		return "question", CodeUnknownQuestion
	case q.Type == Matrix && c.Statement == "":
		return "statement", CodeRequired
	case q.Type != Matrix && c.Statement != "":
		return "statement", CodeNotApplicable
	case q.Type == FreeText && c.Option != "":
		return "option", CodeNotApplicable
	}
	rows := slices.Concat(q.Options, q.Bins)
	if c.Statement != "" {
		for i := range q.Statements {
			if q.Statements[i].Code == c.Statement {
				cell.statement = &q.Statements[i]
			}
		}
		if cell.statement == nil {
			return "statement", CodeUnknownOption
		}
		rows = cell.statement.Bins
	}
	if c.Option == "" {
		return "", ""
	}
	for i := range rows {
		if rows[i].Code == c.Option {
			cell.option = &rows[i]
		}
	}
	if cell.option == nil {
		return "option", CodeUnknownOption
	}
	return "", ""
}

// Cite resolves a citation against the release: the number as released
// and its texts in every language of langs (the first is the one the
// numbers are read in; every language shows the same numbers). ptr is
// the citation's pointer in the request.
func (rs *ReleasedSurvey) Cite(ptr string, c Citation, langs []string) (CitedNumber, *FieldError) {
	out := CitedNumber{Citation: c, Release: rs.Ref, SurveyTitle: Text{}, QuestionText: Text{}}
	if len(langs) == 0 {
		return out, &FieldError{Pointer: ptr + "/survey", Code: CodeNotReleased}
	}
	cell, fe := rs.locate(ptr, c, langs[0])
	if fe != nil {
		return out, fe
	}
	answered := cell.question.Answered
	if cell.statement != nil {
		answered = cell.statement.Answered
	}
	count := answered
	field := "question"
	if cell.statement != nil {
		field = "statement"
	}
	if cell.option != nil {
		count, field = cell.option.Count, "option"
	}
	if !count.shown() {
		return out, &FieldError{Pointer: ptr + "/" + field, Code: CodeSuppressedNumber}
	}
	out.Count = *count.N
	if cell.option != nil {
		out.Pct = count.Pct
		if answered.shown() {
			of := *answered.N
			out.Of = &of
		}
	}
	st := cell.question.Stats
	if cell.statement != nil {
		st = cell.statement.Stats
	}
	if st != nil && cell.option == nil {
		m := st.Mean
		out.Mean = &m
	}
	for _, l := range langs {
		rs.label(&out, c, l)
	}
	return out, nil
}

// forget drops the rendered tables (ResolveFindings keeps one survey's
// at a time).
func (rs *ReleasedSurvey) forget() { rs.results = nil }

func (c Count) shown() bool { return !c.Suppressed && c.N != nil }

// label fills in the citation's texts in lang, from the definition the
// release was cut with (its questions, and options only the tally knows,
// labelled by their codes), as the release's tables label them in lang:
// rendering the tables again in every language would cost a copy of the
// release per language.
func (rs *ReleasedSurvey) label(out *CitedNumber, c Citation, lang string) {
	def := rs.Protected.def
	tr := func(t Text) string { return t.In(lang, def.DefaultLanguage) }
	set := func(t *Text, s string) {
		if *t == nil {
			*t = Text{}
		}
		(*t)[lang] = s
	}
	if rs.Title != nil {
		out.SurveyTitle[lang] = tr(rs.Title)
	}
	q := def.Question(c.Question)
	if q == nil {
		return // located before: cannot happen
	}
	out.QuestionText[lang] = tr(q.Text)
	if bq := def.Question(c.By); c.By != "" && bq != nil {
		set(&out.ByText, tr(bq.Text))
		if o := bq.Option(c.Group); o != nil {
			set(&out.GroupLabel, tr(o.Label))
		} else if rs.NotAnswered != nil {
			set(&out.GroupLabel, rs.NotAnswered(lang))
		}
	}
	for _, st := range q.Statements {
		if st.Code == c.Statement && c.Statement != "" {
			set(&out.StatementLabel, tr(st.Label))
		}
	}
	if c.Option != "" {
		set(&out.OptionLabel, optionLabel(q, c.Option, tr))
	}
}

// optionLabel labels an option, point or range as the release's tables do
// (Protected.Results, bins).
func optionLabel(q *Question, code string, tr func(Text) string) string {
	if o := q.Option(code); o != nil {
		return tr(o.Label)
	}
	if t, ok := q.Labels[code]; ok && (q.Type == Scale || q.Type == Matrix) {
		return code + " " + tr(t)
	}
	if q.Type == Number && len(q.Unit) > 0 {
		return code + " " + tr(q.Unit)
	}
	return code
}

// ResolveFindings checks each finding's citations against the releases
// (by survey id; a survey without one is not released) and returns the
// findings with their numbers, or a *ValidationError naming every
// citation that cannot be quoted. ptr is the findings' pointer. The
// citations are resolved survey by survey, and each survey's rendered
// tables are dropped before the next's are made, so at most one
// survey's tables (one per breakdown cited) are held at a time.
func ResolveFindings(ptr string, in []FindingInput, releases map[string]*ReleasedSurvey, langs []string) ([]Finding, error) {
	out := make([]Finding, len(in))
	var order []string // surveys in the order first cited
	for i, f := range in {
		out[i] = Finding{Text: f.Text, Cites: make([]CitedNumber, len(f.Cites))}
		for _, c := range f.Cites {
			if !slices.Contains(order, c.Survey) {
				order = append(order, c.Survey)
			}
		}
	}
	bad := map[string]FieldError{} // pointer -> problem
	for _, id := range order {
		rs := releases[id]
		for i, f := range in {
			for j, c := range f.Cites {
				if c.Survey != id {
					continue
				}
				cp := ptr + Pointer(i, "cites", j)
				if rs == nil {
					bad[cp] = FieldError{Pointer: cp + "/survey", Code: CodeNotReleased}
					continue
				}
				n, fe := rs.Cite(cp, c, langs)
				if fe != nil {
					bad[cp] = *fe
					continue
				}
				out[i].Cites[j] = n
			}
		}
		if rs != nil {
			rs.forget()
		}
	}
	if len(bad) == 0 {
		return out, nil
	}
	// In the request's order.
	var p problems
	for i, f := range in {
		for j := range f.Cites {
			if fe, ok := bad[ptr+Pointer(i, "cites", j)]; ok {
				p.list = append(p.list, fe)
			}
		}
	}
	return nil, p.err()
}

// breakdownIDs lists the release's breakdown questions, for a message.
func (p *Protected) breakdownIDs() string {
	ids := make([]string, len(p.dims))
	for i, d := range p.dims {
		ids[i] = d.ID
	}
	return strings.Join(ids, ", ")
}
