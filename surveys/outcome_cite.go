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

func (c Count) shown() bool { return !c.Suppressed && c.N != nil }

// label fills in the citation's texts in lang.
func (rs *ReleasedSurvey) label(out *CitedNumber, c Citation, lang string) {
	if t := rs.Title; t != nil {
		out.SurveyTitle[lang] = t.In(lang, rs.Protected.def.DefaultLanguage)
	}
	cell, fe := rs.locate("", c, lang)
	if fe != nil {
		return // the same tables in every language: cannot happen
	}
	out.QuestionText[lang] = cell.question.Text
	set := func(t *Text, s string) {
		if *t == nil {
			*t = Text{}
		}
		(*t)[lang] = s
	}
	if c.By != "" {
		if q := rs.Protected.def.Question(c.By); q != nil {
			set(&out.ByText, q.Text.In(lang, rs.Protected.def.DefaultLanguage))
		}
		set(&out.GroupLabel, cell.group.Label)
	}
	if cell.statement != nil {
		set(&out.StatementLabel, cell.statement.Label)
	}
	if cell.option != nil {
		set(&out.OptionLabel, cell.option.Label)
	}
}

// ResolveFindings checks each finding's citations against the releases
// (by survey id; a survey without one is not released) and returns the
// findings with their numbers, or a *ValidationError naming every
// citation that cannot be quoted. ptr is the findings' pointer.
func ResolveFindings(ptr string, in []FindingInput, releases map[string]*ReleasedSurvey, langs []string) ([]Finding, error) {
	var p problems
	out := make([]Finding, 0, len(in))
	for i, f := range in {
		fd := Finding{Text: f.Text, Cites: make([]CitedNumber, 0, len(f.Cites))}
		for j, c := range f.Cites {
			cp := ptr + Pointer(i, "cites", j)
			rs := releases[c.Survey]
			if rs == nil {
				p.add(cp+"/survey", CodeNotReleased, nil)
				continue
			}
			n, fe := rs.Cite(cp, c, langs)
			if fe != nil {
				p.list = append(p.list, *fe)
				continue
			}
			fd.Cites = append(fd.Cites, n)
		}
		out = append(out, fd)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// breakdownIDs lists the release's breakdown questions, for a message.
func (p *Protected) breakdownIDs() string {
	ids := make([]string, len(p.dims))
	for i, d := range p.dims {
		ids[i] = d.ID
	}
	return strings.Join(ids, ", ")
}
