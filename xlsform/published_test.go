package xlsform

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// outcomeImports and outcomeLegacy are the outcomes of a published form
// that are not problem codes: converted whole, or refused as a legacy
// .xls (ErrLegacyXLS) before any sheet is read.
const (
	outcomeImports Code = "imports"
	outcomeLegacy  Code = "legacy_xls"
)

// publishedForm is what one published XLSForm must give.
type publishedForm struct {
	// outcome is outcomeImports, outcomeLegacy, or every problem code the
	// form is refused with.
	outcome []Code
	// questions is how many questions a form that imports has: every
	// question row of its survey sheet, none lost.
	questions int
	// why is said of each form that is refused although it uses nothing
	// XLSForm has that YouthVoice has not (no problem of featureCodes): it
	// is refused by a rule of YouthVoice's own, and why names it. The
	// test fails when such a form has no why, so that a converter bug
	// cannot hide among the expected outcomes.
	why string
}

// Reasons for refusing forms that use only supported types.
const (
	whyBounds = "an integer or decimal question without bounds: an exact number (an age, a count) can single out a " +
		"young person, so each number question needs a constraint such as . >= 0 and . <= 20 (docs/surveys.md 1.5)"
	whyCase = "names with non-ASCII letters (père, té): question ids are ^[a-z][a-z0-9_]{0,39}$ and option codes " +
		"^[a-z0-9][a-z0-9_-]{0,31}$ (docs/surveys.md); Read lower-cases a name invalid only for its capitals " +
		"(headOfHousehold, Faryab), but keeps other names as they are rather than invent ids a relevant or a " +
		"later export would not match"
)

// publishedForms is what each XLSForm in testdata/published (one
// directory a source, each with a README.md naming its repository, commit
// and licence) gives.
var publishedForms = map[string]publishedForm{
	"getodk-central-backend/simple.xlsx": {outcome: []Code{CodeNumberBounds}, why: whyBounds},
	"getodk-pyodk/fav_color.xlsx":        {outcome: []Code{CodeNumberBounds, CodeTypeLocation}},
	"getodk-pyodk/simple_repeat.xlsx":    {outcome: []Code{CodeNumberBounds, CodeTypeDate, CodeTypeRepeat}},

	"getodk-pyxform-http/external-choices.xlsx": {outcome: []Code{CodeExternalChoices}},
	"getodk-pyxform-http/pyxform-clean.xlsx":    {outcome: []Code{CodeNumberBounds}, why: whyBounds},
	// The unknown type that makes pyxform fail is refused at its row.
	"getodk-pyxform-http/pyxform-error.xlsx":   {outcome: []Code{CodeNumberBounds, CodeUnsupportedType}},
	"getodk-pyxform-http/pyxform-warning.xlsx": {outcome: []Code{CodeTypeRepeat}},
	// ODK Validate refuses its relevant; YouthVoice first refuses the
	// unbounded integer.
	"getodk-pyxform-http/validate-error.xlsx": {outcome: []Code{CodeNumberBounds}, why: whyBounds},

	// Every question type ODK has: the supported ones convert, the rest
	// are refused at their rows. A group whose every question is refused
	// is refused too (required: it would be an empty section).
	"getodk-web-forms/all-question-types-v2024091201-3.xlsx": {outcome: []Code{"required", CodeExternalChoices,
		CodeNumberBounds, CodeTypeAcknowledge, CodeTypeDate, CodeTypeLocation, CodeTypeMedia}},
	"getodk-web-forms/ifrc-distribution-site-assessment-v1.xlsx": {outcome: []Code{outcomeLegacy}},
	// A relevant of FALSE (a hidden question) has no show_if. Its
	// capitalised names (Sindh, Id10022...) are lower-cased; choice names
	// with & and a comma (Lahore&Sialkot) stay invalid_code.
	"getodk-web-forms/socio-economic-survey-v20240515.xlsx": {outcome: []Code{"invalid_code",
		CodeChoiceFilter, CodeRelevant, CodeTypeRepeat}},
	// The WHO verbal autopsy: 42 calculations, more than 200 questions
	// in a section and relevants nested deeper than show_if goes (too_many).
	// Its capitalised names (Id10022...) are lower-cased.
	"getodk-web-forms/whova_form.xlsx": {outcome: []Code{"too_many", CodeNumberBounds,
		CodeTypeCalculate, CodeTypeDate}},

	"getodk-xlsform-offline/external-itemsets.xlsx": {outcome: []Code{CodeExternalChoices}},
	"getodk-xlsform-offline/pyxform-clean.xlsx":     {outcome: []Code{CodeNumberBounds}, why: whyBounds},
	"getodk-xlsform-offline/pyxform-warning.xlsx":   {outcome: []Code{outcomeImports}, questions: 2},

	// KoboToolbox's kobo--locking-profile column and sheet are ignored.
	"kobotoolbox-formpack/library-locking-example.xlsx": {outcome: []Code{outcomeImports}, questions: 2},

	"kobotoolbox-kobocat/exp.xlsx":            {outcome: []Code{CodeNumberBounds, CodeTypeDate, CodeTypeMedia}},
	"kobotoolbox-kobocat/exp_line_break.xlsx": {outcome: []Code{CodeNumberBounds, CodeTypeDate, CodeTypeMedia}},
	// label::Tetun (CLDR spells it Tetum) is tet.
	"kobotoolbox-kobocat/form_with_unicode_in_relevant_column.xlsx": {outcome: []Code{outcomeImports}, questions: 2},
	"kobotoolbox-kobocat/sample_accent.xlsx":                        {outcome: []Code{"invalid_code"}, why: whyCase},
	"kobotoolbox-kobocat/transportation_export.xlsx": {outcome: []Code{CodeNoSurveySheet},
		why: "not a form: a data export (one sheet, transportation_2011_07_25), a wrong file an organiser may upload"},

	// label::Dari is prs; its capitalised choice names (Faryab...) are
	// lower-cased.
	"unhcr-koboloader/XLSform_template.xlsx": {outcome: []Code{CodeChoiceFilter, CodeNumberBounds,
		CodeTypeCalculate, CodeTypeDate, CodeTypeLocation}},
}

// featureCodes are the problems of an XLSForm feature YouthVoice has no
// equivalent for (a type, a column, an expression); a form refused with
// none of them uses only what YouthVoice supports.
var featureCodes = []Code{CodeUnsupportedType, CodeTypeLocation, CodeTypeMedia, CodeTypeDate, CodeTypeCalculate,
	CodeTypeRepeat, CodeTypeAcknowledge, CodeTypeIdentity, CodeExternalChoices, CodeChoiceFilter, CodeUnsupportedColumn,
	CodeRequiredExpression, CodeRelevant}

// TestPublishedForms reads published XLSForms no one on the project
// wrote (testdata/published): each imports whole, or is refused as a
// legacy .xls, or is refused with problems at sheets, rows and columns,
// never a panic or an untyped error; each that uses only what YouthVoice
// supports imports, unless a rule of YouthVoice's own refuses it and the
// table says which.
func TestPublishedForms(t *testing.T) {
	files, err := filepath.Glob("testdata/published/*/*.xlsx")
	if err != nil || len(files) != len(publishedForms) {
		t.Fatalf("%d forms, %d outcomes (%v)", len(files), len(publishedForms), err)
	}
	for _, f := range files {
		name := filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f)))
		want, ok := publishedForms[name]
		if !ok {
			t.Errorf("%s: no outcome listed", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), "README.md")); err != nil {
				t.Errorf("no README.md naming the source: %v", err)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := read(t, b)
			got := publishedOutcome(t, res, err)
			if err == nil && len(res.Definition.Questions()) != want.questions {
				t.Errorf("imported %d questions, want %d", len(res.Definition.Questions()), want.questions)
			}
			if !slices.Equal(got, sortedCodes(want.outcome)) {
				t.Errorf("gives %v, want %v", got, sortedCodes(want.outcome))
			}
			onlySupported := !slices.ContainsFunc(got, func(c Code) bool { return slices.Contains(featureCodes, c) })
			refused := !slices.Equal(got, []Code{outcomeImports}) && !slices.Equal(got, []Code{outcomeLegacy})
			switch {
			case refused && onlySupported && want.why == "":
				t.Errorf("refused with %v although it uses only supported types: a converter bug, or say why", got)
			case want.why != "" && (!refused || !onlySupported):
				t.Errorf("a why (%q) for a form that is not refused by a rule of YouthVoice's own", want.why)
			}
		})
	}
}

// publishedOutcome is Read's outcome as the table writes it, after
// checking that every problem is placed: a sheet always, a row unless the
// whole sheet is at fault, and a column with each row.
func publishedOutcome(t *testing.T, res *Result, err error) []Code {
	t.Helper()
	switch {
	case err == nil:
		if len(res.Definition.Questions()) == 0 {
			t.Error("imported without questions")
		}
		return []Code{outcomeImports}
	case errors.Is(err, ErrLegacyXLS):
		return []Code{outcomeLegacy}
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("untyped error %v", err)
	}
	var got []Code
	for _, p := range e.Problems {
		if !slices.Contains(got, p.Code) {
			got = append(got, p.Code)
		}
		switch {
		case p.Sheet == "":
			t.Errorf("problem without a sheet: %+v", p)
		case p.Row == 0 && !slices.Contains(sheetLevel, p.Code):
			t.Errorf("problem not at a row: %+v", p)
		case p.Row > 0 && p.Column == "":
			t.Errorf("problem at a cell without its column: %+v", p)
		}
	}
	return sortedCodes(got)
}

// sortedCodes is a sorted copy of codes.
func sortedCodes(codes []Code) []Code {
	out := slices.Clone(codes)
	slices.Sort(out)
	return out
}
