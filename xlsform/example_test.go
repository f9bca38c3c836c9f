package xlsform

import (
	"encoding/json"
	"testing"
)

// TestWorkedExample is docs/surveys.md's worked example (9.5): the same
// sheets give the definition the chapter describes.
func TestWorkedExample(t *testing.T) {
	res := mustRead(t,
		sheetRows{name: "survey", rows: [][]string{
			{"type", "name", "label::Svenska (sv)", "label::English (en)", "required", "relevant", "constraint", "appearance", "youthvoice::breakdown"},
			{"start", "start"},
			{"begin group", "about", "Om dig", "About you"},
			{"select_one ages", "age_band", "Hur gammal är du?", "How old are you?", "yes", "", "", "", "yes"},
			{"select_one agree", "safe", "Hur trygg känner du dig?", "How safe do you feel?", "", "", "", "likert"},
			{"select_multiple why", "unsafe_why", "Varför?", "Why?", "", "${safe} <= 2", "count-selected(.) <= 2"},
			{"integer", "hours_online", "Timmar på nätet per dag?", "Hours online a day?", "", "", ". >= 0 and . <= 24"},
			{"end group"},
		}},
		sheetRows{name: "choices", rows: [][]string{
			{"list_name", "name", "label::Svenska (sv)", "label::English (en)", "youthvoice::other"},
			{"ages", "13-15", "13–15 år", "13–15"}, {"ages", "16-18", "16–18 år", "16–18"},
			{"agree", "1", "Inte alls", "Not at all"}, {"agree", "2", "2", "2"}, {"agree", "3", "Mycket", "Very"},
			{"agree", "dont_know", "Vet inte", "Don't know"},
			{"why", "bullying", "Mobbning", "Bullying"}, {"why", "other", "Annat", "Something else", "yes"},
		}},
		settingsSheet([]string{"form_title", "youthvoice::title::English (en)", "default_language", "youthvoice::k"},
			[]string{"Trygg i vardagen", "Safe in everyday life", "Svenska (sv)", "10"}),
	)
	got, _ := json.Marshal(res.Definition)
	want := `{"default_language":"sv","languages":["sv","en"],"title":{"en":"Safe in everyday life","sv":"Trygg i vardagen"},"thank_you":null,` +
		`"sections":[{"id":"about","title":{"en":"About you","sv":"Om dig"},"questions":[` +
		`{"id":"age_band","type":"single_choice","text":{"en":"How old are you?","sv":"Hur gammal är du?"},"required":true,"breakdown":true,"options":[{"code":"13-15","label":{"en":"13–15","sv":"13–15 år"}},{"code":"16-18","label":{"en":"16–18","sv":"16–18 år"}}]},` +
		`{"id":"safe","type":"scale","text":{"en":"How safe do you feel?","sv":"Hur trygg känner du dig?"},"points":3,"labels":{"1":{"en":"Not at all","sv":"Inte alls"},"3":{"en":"Very","sv":"Mycket"}},"dont_know":true,"dont_know_label":{"en":"Don't know","sv":"Vet inte"}},` +
		`{"id":"unsafe_why","type":"multiple_choice","text":{"en":"Why?","sv":"Varför?"},"show_if":{"question":"safe","at_most":2},"options":[{"code":"bullying","label":{"en":"Bullying","sv":"Mobbning"}},{"code":"other","label":{"en":"Something else","sv":"Annat"},"other":true}],"max_selections":2},` +
		`{"id":"hours_online","type":"number","text":{"en":"Hours online a day?","sv":"Timmar på nätet per dag?"},"integer":true,"min":0,"max":24}]}],` +
		`"audience":{},"k":10}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(res.Warnings) != 1 || !hasProblem(res.Warnings, "survey", 2, "type", CodeMetadataIgnored) {
		t.Errorf("warnings %+v, want only the start row's", res.Warnings)
	}
}
