package xlsform

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// checkRead is what every Read must give: a definition that validates
// and survives a round trip, an *Error whose problems have a code, or
// one of the sentinel errors.
func checkRead(t *testing.T, b []byte) {
	res, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		var e *Error
		switch {
		case errors.As(err, &e):
			if len(e.Problems) == 0 {
				t.Fatal("an *Error without problems")
			}
			for _, p := range e.Problems {
				if p.Code == "" {
					t.Fatalf("a problem without a code: %+v", p)
				}
			}
		case errors.Is(err, ErrNotWorkbook), errors.Is(err, ErrLegacyXLS), errors.Is(err, ErrTooLarge):
		default:
			t.Fatalf("untyped error %v", err)
		}
		return
	}
	d := res.Definition
	if err := d.Validate(); err != nil {
		t.Fatalf("a converted definition does not validate: %v", err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, &d); err != nil {
		t.Fatalf("Write: %v", err)
	}
	back, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("reading back what Write wrote: %v", err)
	}
	w, _ := json.Marshal(d)
	g, _ := json.Marshal(back.Definition)
	if !bytes.Equal(w, g) {
		t.Fatalf("round trip differs:\n%s\n%s", w, g)
	}
}

// FuzzRead feeds Read whole files: workbooks Write made, pyxform's forms,
// and their mutations.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"yes_or_no_question.xlsx", "field-list.xlsx", "specify_other.xlsx", "text_and_integer.xlsx"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "pyxform", name)); err == nil {
			f.Add(b)
		}
	}
	var d surveys.Definition
	if err := json.Unmarshal([]byte(everyTypeJSON), &d); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, &d); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) { checkRead(t, b) })
}

// FuzzReadCells feeds Read workbooks built from fuzzed cells: types,
// names, labels, conditions, constraints, choices, languages and
// settings, the texts organisers really get wrong.
func FuzzReadCells(f *testing.F) {
	f.Add("select_one yn", "q", "Q?", "", "", "yes", "no", "label::English (en)", "English (en)")
	f.Add("integer", "n", "How many?", ". >= 0 and . <= 10", "", "a", "b", "label::sv", "sv")
	f.Add("select_multiple yn or_other", "m", "Which?", "count-selected(.) <= 1", "${q} = 'yes'", "yes", "no", "label", "")
	f.Add("select_one yn", "s", "Scale", "", "not(${q} != 'yes') or ${n} > 3", "1", "2", "label:Svenska", "Svenska")
	f.Add("begin group", "g", "Group", "", "selected(${q}, 'no')", "x", "y", "LABEL::Arabic (ar)", "")
	f.Add("rank yn", "r", "Order", "", "count-selected(${m}) >= 1", "a-1", "b_2", "label::es", "es")
	f.Fuzz(func(t *testing.T, typ, name, label, constraint, relevant, choice1, choice2, labelHeader, defaultLang string) {
		for _, s := range []*string{&typ, &name, &label, &constraint, &relevant, &choice1, &choice2, &labelHeader, &defaultLang} {
			if len(*s) > 200 || strings.ContainsAny(*s, "\x00\r") {
				return // excelize refuses what a spreadsheet cannot hold
			}
		}
		header := []string{"type", "name", labelHeader, "constraint", "relevant", "appearance"}
		b := workbookBytes(t,
			sheetRows{name: "survey", rows: [][]string{header,
				{"select_one yn", "q", "First?"},
				{"integer", "n", "Number?", ". >= 0 and . <= 9"},
				{typ, name, label, constraint, relevant, "likert"},
				{"end group"},
			}},
			sheetRows{name: "choices", rows: [][]string{{"list_name", "name", labelHeader}, {"yn", choice1, "One"}, {"yn", choice2, "Two"}}},
			settingsSheet([]string{"form_title", "default_language"}, []string{"Fuzz", defaultLang}),
		)
		checkRead(t, b)
	})
}
