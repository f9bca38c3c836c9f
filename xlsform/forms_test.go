package xlsform

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// pyxformOutcomes is what each of pyxform's test forms
// (testdata/pyxform, README.md there) gives: "imports", or the problem
// codes it is refused with. The forms that use only supported types and
// rules import; three that use only supported types are refused, each for
// a reason of its own: text_and_integer asks for an integer without
// bounds (an exact number can single out a young person, docs/surveys.md
// 1.5), duplicate_columns has a header twice (pyxform refuses it too),
// survey_no_name has no survey sheet (pyxform's test of exactly that).
var pyxformOutcomes = map[string][]Code{
	"extra_columns.xlsx":       {"imports"},
	"extra_sheet_names.xlsx":   {"imports"},
	"field-list.xlsx":          {"imports"},
	"specify_other.xlsx":       {"imports"},
	"yes_or_no_question.xlsx":  {"imports"},
	"text_and_integer.xlsx":    {CodeNumberBounds},
	"duplicate_columns.xlsx":   {CodeDuplicateColumn},
	"survey_no_name.xlsx":      {CodeNoSurveySheet},
	"ODKValidateWarnings.xlsx": {CodeNumberBounds, CodeTypeIdentity},
	// Its capitalised names are lower-cased (no invalid_id or invalid_code).
	"UCL_Biomass_Plot_Form.xlsx": {"required", CodeExternalChoices, CodeNumberBounds,
		CodeRequiredExpression, CodeTypeCalculate, CodeTypeLocation, CodeTypeMedia, CodeTypeRepeat},
	"attribute_columns_test.xlsx": {"invalid_id", "required", CodeNumberBounds, CodeTypeAcknowledge, CodeTypeCalculate,
		CodeTypeDate, CodeTypeLocation, CodeTypeMedia, CodeTypeRepeat},
	"bad_calc.xlsx":           {CodeNoQuestions, CodeTypeCalculate},
	"case_insensitivity.xlsx": {CodeExternalChoices, CodeUnsupportedType},
	"choice_filter_test.xlsx": {"duplicate", CodeChoiceFilter},
	"flat_xlsform_test.xlsx": {"invalid_id", "required", CodeNumberBounds, CodeTypeAcknowledge, CodeTypeCalculate,
		CodeTypeDate, CodeTypeLocation, CodeTypeMedia},
	"group.xlsx":                {CodeNumberBounds, CodeTypeIdentity},
	"include.xlsx":              {CodeUnsupportedType},
	"include_json.xlsx":         {CodeNoQuestions, CodeUnsupportedType},
	"loop.xlsx":                 {CodeNumberBounds, CodeTypeRepeat},
	"or_other.xlsx":             {CodeChoiceFilter},
	"pull_data.xlsx":            {CodeNoQuestions, CodeTypeCalculate},
	"xl_date_ambiguous.xlsx":    {CodeChoiceFilter, CodeRelevant},
	"xl_date_ambiguous_v1.xlsx": {CodeTypeDate},
	"xlsform_spec_test.xlsx": {"invalid_id", "required", CodeNumberBounds, CodeTypeAcknowledge, CodeTypeCalculate,
		CodeTypeDate, CodeTypeLocation, CodeTypeMedia, CodeTypeRepeat},
}

// sheetLevel are the codes of problems about a whole sheet (Row 0).
var sheetLevel = []Code{CodeNoSurveySheet, CodeNoQuestions, CodeTooManyRows, CodeTooManyColumns, CodeTooManyCells, CodeTooManySheets}

// TestPyxformForms reads XLSForms no one on the project wrote: each
// imports whole, or is refused with problems at rows (a sheet only where
// the whole sheet is the problem), never a panic or an untyped error.
func TestPyxformForms(t *testing.T) {
	files, err := filepath.Glob("testdata/pyxform/*.xlsx")
	if err != nil || len(files) != len(pyxformOutcomes) {
		t.Fatalf("%d forms, %d outcomes (%v)", len(files), len(pyxformOutcomes), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := read(t, b)
			want := pyxformOutcomes[name]
			if err == nil {
				if !slices.Equal(want, []Code{"imports"}) {
					t.Fatalf("imported, want refused with %v", want)
				}
				if len(res.Definition.Questions()) == 0 {
					t.Error("imported without questions")
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			codes := map[Code]bool{}
			for _, p := range e.Problems {
				codes[p.Code] = true
				if p.Sheet == "" || p.Row == 0 && !slices.Contains(sheetLevel, p.Code) {
					t.Errorf("problem not at a row: %+v", p)
				}
			}
			var got []Code
			for c := range codes {
				got = append(got, c)
			}
			sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
			sorted := append([]Code(nil), want...)
			sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
			if !slices.Equal(got, sorted) {
				t.Errorf("refused with %v, want %v", got, sorted)
			}
		})
	}
}

// TestLegacyAndNotWorkbooks: a real legacy .xls, text, an empty body, a
// zip that is not a workbook and a body over the limit are told apart.
func TestLegacyAndNotWorkbooks(t *testing.T) {
	xls, err := os.ReadFile("testdata/pyxform/yes_or_no_question.xls")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := read(t, xls); !errors.Is(err, ErrLegacyXLS) {
		t.Errorf(".xls: %v", err)
	}
	for name, b := range map[string][]byte{
		"text": []byte("type,name,label\ntext,q,Q?\n"), "empty": nil, "zip": zipOf(t, map[string]string{"a.txt": "hello"}),
		"truncated": workbookBytes(t, surveySheet([]string{"type", "name", "label"}, []string{"text", "q", "Q?"}))[:300],
	} {
		if _, err := read(t, b); !errors.Is(err, ErrNotWorkbook) {
			t.Errorf("%s: %v, want ErrNotWorkbook", name, err)
		}
	}
	if _, err := Read(bytesOf(make([]byte, 10)), MaxWorkbookBytes+1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("declared size over the limit: %v", err)
	}
	big := append([]byte("PK\x03\x04"), make([]byte, MaxWorkbookBytes)...)
	if _, err := Read(bytesOf(big), -1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("body over the limit: %v", err)
	}
}
