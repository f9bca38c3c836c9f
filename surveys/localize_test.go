package surveys_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// A survey is shown in the chosen language, each text missing in it in
// the default language; a text question without a limit shows the
// default one; labels are given for the scale's points only.
func TestLocalize(t *testing.T) {
	d := everyType()
	d.Languages = []string{"en", "sv"}
	d.Title["sv"] = "Alla typer"
	question(d, "pick").Options[0].Label["sv"] = "A på svenska"
	d.SupportResources = []surveys.SupportResource{{Country: "SE", Name: surveys.Text{"en": "Helpline", "sv": "Stödlinjen"}, Phone: "116 111"}}
	l := d.Localize("s1", 3, "sv", "ltr")
	if l.ID != "s1" || l.Revision != 3 || l.Lang != "sv" || l.Title != "Alla typer" || l.ThankYou != "Thanks" {
		t.Fatalf("survey %+v", l)
	}
	if len(l.SupportResources) != 1 || l.SupportResources[0].Name != "Stödlinjen" {
		t.Fatalf("support %+v", l.SupportResources)
	}
	qs := l.Sections[0].Questions
	if len(qs) != len(d.Questions()) {
		t.Fatalf("%d questions", len(qs))
	}
	pick, agree, why, story, grid := qs[1], qs[3], qs[6], qs[7], qs[9]
	want := []surveys.LocalizedOption{{Code: "a", Label: "A på svenska"}, {Code: "b", Label: "b"}, {Code: "other", Label: "other", Other: true}}
	if !slices.Equal(pick.Options, want) || pick.Statements != nil || !pick.Required {
		t.Fatalf("pick %+v", pick)
	}
	if !reflect.DeepEqual(agree.Labels, map[string]string{"1": "low", "5": "high"}) || agree.DontKnowLabel != "?" || agree.Points != 5 {
		t.Fatalf("agree %+v", agree)
	}
	if why.MaxLength != 10 || story.MaxLength != surveys.DefaultAnswerLength {
		t.Fatalf("max lengths %d, %d", why.MaxLength, story.MaxLength)
	}
	if len(grid.Statements) != 2 || grid.Options != nil {
		t.Fatalf("grid %+v", grid)
	}
	if qs[10].ShowIf != question(d, "more").ShowIf {
		t.Fatal("show_if changed")
	}
}

// Translations counts, for each language, the texts a survey has and
// lists those it lacks.
func TestTranslations(t *testing.T) {
	d := everyType()
	d.Sections[0].Questions = d.Sections[0].Questions[6:7] // "why"
	d.Languages = []string{"en", "sv"}
	d.Title["sv"] = "Varför"
	got := d.Translations()
	want := []surveys.LanguageCompleteness{
		{Language: "en", Texts: 3, Translated: 3, Complete: true, Missing: []string{}},
		{Language: "sv", Texts: 3, Translated: 1, Missing: []string{"/thank_you", "/sections/0/questions/0/text"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v, want %+v", got, want)
	}
}
