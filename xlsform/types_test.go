package xlsform

import (
	"encoding/json"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

var surveyHeader = []string{"type", "name", "label::English (en)", "hint::English (en)", "required", "relevant", "constraint", "appearance", "parameters"}

// r is a row of cells.
func r(cells ...string) []string { return cells }

// TestSupportedTypes converts one question of each supported type and
// compares it, as JSON, with the question expected.
func TestSupportedTypes(t *testing.T) {
	choices := choicesSheet(
		r("yn", "yes", "Yes"), r("yn", "no", "No"),
		r("agree", "1", "Disagree"), r("agree", "2", "2"), r("agree", "3", "Agree"), r("agree", "dont_know", "Don't know"),
		r("colours", "red", "Red"), r("colours", "blue", "Blue"), r("colours", "other", "Other colour"),
	)
	cases := []struct {
		name string
		rows [][]string
		want string
	}{
		{"select_one", [][]string{r("select_one yn", "q", "Q?", "Help", "yes")},
			`{"id":"q","type":"single_choice","text":{"en":"Q?"},"help":{"en":"Help"},"required":true,"options":[{"code":"yes","label":{"en":"Yes"}},{"code":"no","label":{"en":"No"}}]}`},
		{"legacy select one from", [][]string{r("select one from yn", "q", "Q?")},
			`{"id":"q","type":"single_choice","text":{"en":"Q?"},"options":[{"code":"yes","label":{"en":"Yes"}},{"code":"no","label":{"en":"No"}}]}`},
		{"select_one or_other, list with other", [][]string{r("select_one colours or_other", "q", "Q?")},
			`{"id":"q","type":"single_choice","text":{"en":"Q?"},"options":[{"code":"red","label":{"en":"Red"}},{"code":"blue","label":{"en":"Blue"}},{"code":"other","label":{"en":"Other colour"},"other":true}]}`},
		{"select_one or_other, list without other", [][]string{r("select_one yn or_other", "q", "Q?")},
			`{"id":"q","type":"single_choice","text":{"en":"Q?"},"options":[{"code":"yes","label":{"en":"Yes"}},{"code":"no","label":{"en":"No"}},{"code":"other","label":{"en":"Other"},"other":true}]}`},
		{"select_multiple with bounds", [][]string{r("select_multiple colours", "q", "Q?", "", "", "", "count-selected(.) >= 1 and count-selected(.) <= 2")},
			`{"id":"q","type":"multiple_choice","text":{"en":"Q?"},"options":[{"code":"red","label":{"en":"Red"}},{"code":"blue","label":{"en":"Blue"}},{"code":"other","label":{"en":"Other colour"}}],"min_selections":1,"max_selections":2}`},
		{"legacy select all that apply from", [][]string{r("select all that apply from yn", "q", "Q?")},
			`{"id":"q","type":"multiple_choice","text":{"en":"Q?"},"options":[{"code":"yes","label":{"en":"Yes"}},{"code":"no","label":{"en":"No"}}]}`},
		{"rank", [][]string{r("rank colours", "q", "Q?")},
			`{"id":"q","type":"ranking","text":{"en":"Q?"},"options":[{"code":"red","label":{"en":"Red"}},{"code":"blue","label":{"en":"Blue"}},{"code":"other","label":{"en":"Other colour"}}]}`},
		{"likert scale", [][]string{r("select_one agree", "q", "Q?", "", "", "", "", "likert")},
			`{"id":"q","type":"scale","text":{"en":"Q?"},"points":3,"labels":{"1":{"en":"Disagree"},"3":{"en":"Agree"}},"dont_know":true,"dont_know_label":{"en":"Don't know"}}`},
		{"select_one of points without likert", [][]string{r("select_one agree", "q", "Q?")},
			`{"id":"q","type":"single_choice","text":{"en":"Q?"},"options":[{"code":"1","label":{"en":"Disagree"}},{"code":"2","label":{"en":"2"}},{"code":"3","label":{"en":"Agree"}},{"code":"dont_know","label":{"en":"Don't know"}}]}`},
		{"integer", [][]string{r("integer", "q", "Q?", "", "", "", ". >= 0 and . <= 120")},
			`{"id":"q","type":"number","text":{"en":"Q?"},"integer":true,"min":0,"max":120}`},
		{"integer strict bounds", [][]string{r("integer", "q", "Q?", "", "", "", ". > 0 and . < 10")},
			`{"id":"q","type":"number","text":{"en":"Q?"},"integer":true,"min":1,"max":9}`},
		{"decimal with ${self}", [][]string{r("decimal", "q", "Q?", "", "", "", "${q} >= -1.5 and 2.5 >= ${q}")},
			`{"id":"q","type":"number","text":{"en":"Q?"},"min":-1.5,"max":2.5}`},
		{"range", [][]string{r("range", "q", "Q?", "", "", "", "", "", "start=0 end=10 step=1")},
			`{"id":"q","type":"number","text":{"en":"Q?"},"integer":true,"min":0,"max":10}`},
		{"text", [][]string{r("text", "q", "Q?", "", "", "", "string-length(.) <= 300")},
			`{"id":"q","type":"text","text":{"en":"Q?"},"max_length":300}`},
		{"text without constraint", [][]string{r("text", "q", "Q?")},
			`{"id":"q","type":"text","text":{"en":"Q?"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRead(t, sheetRows{name: "survey", rows: append([][]string{surveyHeader}, tc.rows...)}, choices, titled)
			qs := res.Definition.Questions()
			if len(qs) != 1 {
				t.Fatalf("%d questions, want 1", len(qs))
			}
			got, _ := json.Marshal(qs[0])
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestRefusedTypes: each row of a type with no equivalent is one problem
// at its type cell, every one reported, and nothing is converted.
func TestRefusedTypes(t *testing.T) {
	cases := []struct {
		typ  string
		code Code
	}{
		{"geopoint", CodeTypeLocation}, {"geotrace", CodeTypeLocation}, {"geoshape", CodeTypeLocation},
		{"image", CodeTypeMedia}, {"audio", CodeTypeMedia}, {"video", CodeTypeMedia}, {"file", CodeTypeMedia},
		{"barcode", CodeTypeMedia}, {"background-audio", CodeTypeMedia},
		{"date", CodeTypeDate}, {"time", CodeTypeDate}, {"datetime", CodeTypeDate},
		{"calculate", CodeTypeCalculate}, {"hidden", CodeTypeCalculate},
		{"acknowledge", CodeTypeAcknowledge}, {"trigger", CodeTypeAcknowledge},
		{"select_one_from_file places.csv", CodeExternalChoices}, {"select_one_external yn", CodeExternalChoices},
		{"select_multiple_from_file places.csv", CodeExternalChoices},
		{"phone number", CodeTypeIdentity},
		{"osm", CodeUnsupportedType}, {"geopointx", CodeUnsupportedType},
	}
	rows := [][]string{surveyHeader, r("text", "ok", "Fine?")}
	for i, tc := range cases {
		rows = append(rows, r(tc.typ, "q"+itoa(i), "Q?"))
	}
	ps := problems(t, sheetRows{name: "survey", rows: rows}, choicesSheet(r("yn", "yes", "Yes")), titled)
	for i, tc := range cases {
		if !hasProblem(ps, "survey", i+3, "type", tc.code) {
			t.Errorf("%s at row %d: no %s problem in %+v", tc.typ, i+3, tc.code, ps)
		}
	}
	if len(ps) != len(cases) {
		t.Errorf("%d problems for %d refused rows: %+v", len(ps), len(cases), ps)
	}
	for _, p := range ps {
		if p.Cell == "" {
			t.Errorf("problem without the cell's text: %+v", p)
		}
	}
}

func itoa(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) }

// TestRefusedRowsAndColumns covers the problems that are not a type.
func TestRefusedRowsAndColumns(t *testing.T) {
	header := append(append([]string{}, surveyHeader...), "choice_filter")
	ps := problems(t, sheetRows{name: "survey", rows: [][]string{header,
		r("begin repeat", "rep", "Again"), // 2
		r("text", "inner", "Inside?"),
		r("end repeat", "rep"),
		r("select_one yn", "a", "A?", "", "", "", "", "", "", "yes = 'y'"), // 5: choice_filter
		r("integer", "b", "B?"),                                            // 6: no bounds
		r("integer", "c", "C?", "", "", "", ". >= ${a}"),                   // 7: bound not a number
		r("text", "d", "D?", "", "${a} = 'yes'"),                           // 8: required if
		r("text", "e", "E?", "", "", "${a} + 1 = 2"),                       // 9: relevant outside the subset
		r("select_one nolist", "f", "F?"),                                  // 10
		r("select_one", "g", "G?"),                                         // 11
		r("end group", "x"),                                                // 12
		r("begin group", "open", "Never closed"),                           // 13
		r("decimal", "h", "H?", "", "", "${h} > 0", ". >= 0 and . <= 1"),   // 14: strict on decimal
	}}, choicesSheet(r("yn", "yes", "Yes")), titled)
	for _, want := range []struct {
		row    int
		column string
		code   Code
	}{
		{2, "type", CodeTypeRepeat}, {5, "choice_filter", CodeChoiceFilter}, {6, "constraint", CodeNumberBounds},
		{7, "constraint", CodeNumberBounds}, {8, "required", CodeRequiredExpression}, {9, "relevant", CodeRelevant},
		{10, "type", CodeUnknownList}, {11, "type", CodeListRequired}, {12, "type", CodeGroupUnbalanced},
		{13, "type", CodeGroupUnbalanced}, {14, "relevant", CodeRelevant},
	} {
		if !hasProblem(ps, "survey", want.row, want.column, want.code) {
			t.Errorf("no %s at row %d, %s, in %+v", want.code, want.row, want.column, ps)
		}
	}
}

// TestMetadataNeverCollected: metadata rows become no question, and each
// gives a warning saying it is not collected.
func TestMetadataNeverCollected(t *testing.T) {
	meta := []string{"start", "end", "today", "deviceid", "phonenumber", "username", "email", "audit", "simserial",
		"subscriberid", "start-geopoint"}
	rows := [][]string{surveyHeader}
	for _, m := range meta {
		rows = append(rows, r(m, m))
	}
	rows = append(rows, r("text", "q", "Q?"))
	res := mustRead(t, sheetRows{name: "survey", rows: rows}, titled)
	if n := len(res.Definition.Questions()); n != 1 {
		t.Errorf("%d questions, want only q", n)
	}
	for i, m := range meta {
		if !hasProblem(res.Warnings, "survey", i+2, "type", CodeMetadataIgnored) {
			t.Errorf("no warning for %s", m)
		}
	}
}

// TestGroupsAndNotes: groups are sections, questions outside groups get
// a section of their own, a nested group is flattened with its relevant
// kept, notes go to the introduction and to the next question's help.
func TestGroupsAndNotes(t *testing.T) {
	res := mustRead(t, sheetRows{name: "survey", rows: [][]string{surveyHeader,
		r("note", "welcome", "Welcome!"),
		r("select_one yn", "main", "First?"),
		r("begin_group", "part", "Part two"),
		r("begin group", "inner", "", "", "", "${main} = 'yes'"),
		r("note", "n2", "Read this."),
		r("text", "why", "Why?", "Say more."),
		r("end_group", "inner"),
		r("end group", "part"),
		r("text", "last", "Last?"),
		r("note", "bye", "Bye"),
	}}, choicesSheet(r("yn", "yes", "Yes"), r("yn", "no", "No")), titled)
	d := res.Definition
	var ids []string
	for _, s := range d.Sections {
		ids = append(ids, s.ID)
	}
	if got, _ := json.Marshal(ids); string(got) != `["main_2","part","main_3"]` {
		t.Errorf("sections %s", got)
	}
	if d.Introduction["en"] != "Welcome!" {
		t.Errorf("introduction %q", d.Introduction)
	}
	why := d.Question("why")
	if why.Help["en"] != "Read this.\n\nSay more." {
		t.Errorf("help %q", why.Help["en"])
	}
	if got, _ := json.Marshal(why.ShowIf); string(got) != `{"question":"main","equals":"yes"}` {
		t.Errorf("show_if %s", got)
	}
	for _, w := range []struct {
		row  int
		code Code
	}{{2, CodeNoteIntroduction}, {5, CodeNestedGroup}, {6, CodeNoteHelp}, {11, CodeNoteDropped}} {
		if !hasProblem(res.Warnings, "survey", w.row, "type", w.code) {
			t.Errorf("no %s at row %d: %+v", w.code, w.row, res.Warnings)
		}
	}
}

// TestLikertTableIsAMatrix: a table-list group of select_one rows of one
// list becomes a matrix question.
func TestLikertTableIsAMatrix(t *testing.T) {
	res := mustRead(t, sheetRows{name: "survey", rows: [][]string{surveyHeader,
		r("begin group", "places", "How safe are you here?", "", "", "", "", "table-list"),
		r("select_one safe", "places_school", "At school", "", "yes"),
		r("select_one safe", "online", "Online", "", "yes"),
		r("end group", "places"),
	}}, choicesSheet(r("safe", "unsafe", "Unsafe"), r("safe", "so_so", "So so"), r("safe", "safe", "Safe")), titled)
	q := res.Definition.Question("places")
	got, _ := json.Marshal(q)
	want := `{"id":"places","type":"matrix","text":{"en":"How safe are you here?"},"required":true,"points":3,"labels":{"1":{"en":"Unsafe"},"2":{"en":"So so"},"3":{"en":"Safe"}},"statements":[{"code":"school","label":{"en":"At school"}},{"code":"online","label":{"en":"Online"}}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !hasProblem(res.Warnings, "survey", 3, "type", CodeMatrix) {
		t.Errorf("no matrix warning: %+v", res.Warnings)
	}
}

// TestValidationProblemsAtTheirCells: what surveys' validation finds is
// shown at the cell the field came from, never as a JSON pointer.
func TestValidationProblemsAtTheirCells(t *testing.T) {
	ps := problems(t, sheetRows{name: "survey", rows: [][]string{surveyHeader,
		r("select_one yn", "Bad Name", "Q?"),               // 2: invalid id
		r("select_one yn", "ok", ""),                       // 3: no text
		r("text", "later", "L?", "", "", "${after} != ''"), // 4: later question
		r("text", "after", "A?"),
		r("select_one yn", "ok2", "Q2?", "", "", "${ok} = 'maybe'"), // 6: unknown option
		r("text", "ok3", "Q3?", "", "", "${nowhere} > 15"),          // 7: unknown question
	}}, choicesSheet(r("yn", "Sí", "Yes"), r("yn", "no", "No"), r("yn", "no", "No again")), titled)
	for _, want := range []struct {
		sheet  string
		row    int
		column string
		code   surveys.Code
	}{
		{"survey", 2, "name", surveys.CodeInvalidID},
		{"survey", 3, "label::English (en)", surveys.CodeRequired},
		{"survey", 4, "relevant", surveys.CodeLaterQuestion},
		{"survey", 6, "relevant", surveys.CodeUnknownOption},
		{"survey", 7, "relevant", surveys.CodeUnknownQuestion},
		{"choices", 2, "name", surveys.CodeInvalidCode},
		{"choices", 4, "name", surveys.CodeDuplicate},
	} {
		if !hasProblem(ps, want.sheet, want.row, want.column, want.code) {
			t.Errorf("no %s at %s row %d %s in %+v", want.code, want.sheet, want.row, want.column, ps)
		}
	}
	// The list is used by three questions: its rows are reported once.
	n := 0
	for _, p := range ps {
		if p.Sheet == "choices" && p.Row == 2 {
			n++
		}
	}
	if n != 1 {
		t.Errorf("choices row 2 reported %d times", n)
	}
}

func TestFieldErrors(t *testing.T) {
	e := &Error{Problems: []Problem{
		{Sheet: "survey", Row: 12, Column: "type", Cell: "geopoint", Code: CodeTypeLocation, Params: map[string]any{"Type": "geopoint"}},
		{Sheet: "choices", Row: 3, Code: CodeYesNo},
		{Sheet: "survey", Code: CodeNoQuestions},
		{Sheet: "survey", Row: 2, Column: "label::English (en)", Code: surveys.CodeRequired},
		{Code: CodeTooManySheets},
	}}
	fes := e.FieldErrors()
	for i, want := range []string{"/survey/12/type", "/choices/3", "/survey", "/survey/2/label::English (en)", ""} {
		if fes[i].Pointer != want {
			t.Errorf("pointer %q, want %q", fes[i].Pointer, want)
		}
	}
	p := fes[0].Params
	if p["Sheet"] != "survey" || p["Row"] != 12 || p["Column"] != "type" || p["Cell"] != "geopoint" || p["Type"] != "geopoint" {
		t.Errorf("params %v", p)
	}
	if fes[0].Code != CodeTypeLocation {
		t.Errorf("code %s", fes[0].Code)
	}
}
