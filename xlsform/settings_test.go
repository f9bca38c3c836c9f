package xlsform

import (
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// TestSettingsProblems: settings that cannot be read, and validation's
// problems with the survey-wide fields, are shown at their settings cells.
func TestSettingsProblems(t *testing.T) {
	ps := problems(t,
		sheetRows{name: "survey", rows: [][]string{surveyHeader, r("text", "q", "Q?")}},
		settingsSheet(
			[]string{"form_title", "default_language", "youthvoice::k", "youthvoice::sensitive", "youthvoice::opens_at",
				"youthvoice::estimated_minutes", "youthvoice::min_age", "youthvoice::regions"},
			[]string{"T", "English (en)", "ten", "maybe", "next week", "300", "200", "SE/AB"}),
	)
	for _, want := range []struct {
		column string
		code   surveys.Code
	}{
		{"youthvoice::k", CodeSettingInvalid}, {"youthvoice::sensitive", CodeYesNo}, {"youthvoice::opens_at", CodeSettingInvalid},
		{"youthvoice::estimated_minutes", surveys.CodeOutOfRange}, {"youthvoice::min_age", surveys.CodeOutOfRange},
		{"youthvoice::regions", surveys.CodeInvalid},
	} {
		if !hasProblem(ps, "settings", 2, want.column, want.code) {
			t.Errorf("no %s at %s in %+v", want.code, want.column, ps)
		}
	}
}

// TestSensitiveNeedsSupport: a sensitive survey without support
// resources or a content note is refused with messages saying where to
// write them.
func TestSensitiveNeedsSupport(t *testing.T) {
	ps := problems(t,
		sheetRows{name: "survey", rows: [][]string{surveyHeader, r("text", "q", "Q?", "", "yes")}},
		settingsSheet([]string{"form_title", "default_language", "youthvoice::sensitive", "youthvoice::k"}, []string{"T", "en", "yes", "3"}),
	)
	for _, want := range []struct {
		sheet  string
		row    int
		column string
		code   surveys.Code
	}{
		{"youthvoice_support", 0, "", CodeSupportRequired},
		{"settings", 0, "", CodeContentNote},
		{"survey", 2, "required", surveys.CodeSensitiveRequired}, // only consent may be required
		{"settings", 2, "youthvoice::k", surveys.CodeThresholdTooLow},
	} {
		if !hasProblem(ps, want.sheet, want.row, want.column, want.code) {
			t.Errorf("no %s at %s %d %s in %+v", want.code, want.sheet, want.row, want.column, ps)
		}
	}
}

// TestOtherInTheSurveysLanguages: the option or_other adds is labelled in
// each language the server speaks, English in the others.
func TestOtherInTheSurveysLanguages(t *testing.T) {
	res := mustRead(t,
		sheetRows{name: "survey", rows: [][]string{{"type", "name", "label::sv", "label::ar", "label::de"}, {"select_one yn or_other", "q", "Fråga", "سؤال", "Frage"}}},
		sheetRows{name: "choices", rows: [][]string{{"list_name", "name", "label::sv", "label::ar", "label::de"}, {"yn", "yes", "Ja", "نعم", "Ja"}}},
		settingsSheet([]string{"form_title", "default_language"}, []string{"T", "sv"}),
	)
	o := res.Definition.Question("q").Options[1]
	if o.Code != "other" || !o.Other || o.Label["sv"] != "Annat" || o.Label["ar"] != "أخرى" || o.Label["de"] != "Other" {
		t.Errorf("%+v", o)
	}
	if !hasProblem(res.Warnings, "survey", 2, "type", CodeOtherAdded) {
		t.Errorf("%+v", res.Warnings)
	}
}
