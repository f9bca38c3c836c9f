package surveys_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
)

const submissionID = "6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a"

// Each problem with a submission's envelope, with its pointer.
func TestCheckEnvelope(t *testing.T) {
	code := surveys.NewAccessCode()
	answers := map[string]json.RawMessage{}
	for _, c := range []struct {
		name        string
		sub         surveys.Submission
		accessCodes bool
		want        []string
	}{
		{"valid", surveys.Submission{SubmissionID: submissionID, Revision: 1, Answers: answers}, false, nil},
		{"valid with a code", surveys.Submission{SubmissionID: strings.ToUpper(submissionID), Revision: 2, Answers: answers, AccessCode: strings.ToLower(code)}, true, nil},
		{"empty", surveys.Submission{}, false, []string{"/submission_id required", "/revision required", "/answers required"}},
		{"not a UUID", surveys.Submission{SubmissionID: "1234", Revision: 1, Answers: answers}, false, []string{"/submission_id invalid"}},
		{"negative revision", surveys.Submission{SubmissionID: submissionID, Revision: -1, Answers: answers}, false, []string{"/revision required"}},
		{"code required", surveys.Submission{SubmissionID: submissionID, Revision: 1, Answers: answers}, true, []string{"/access_code access_code_required"}},
		{"code mistyped", surveys.Submission{SubmissionID: submissionID, Revision: 1, Answers: answers, AccessCode: "ABCDE-FGHJK"}, true,
			[]string{"/access_code access_code_invalid"}},
		{"code not asked for", surveys.Submission{SubmissionID: submissionID, Revision: 1, Answers: answers, AccessCode: code}, false,
			[]string{"/access_code not_applicable"}},
	} {
		if got := fieldErrors(t, c.sub.CheckEnvelope(c.accessCodes)); !slices.Equal(got, c.want) {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.want)
		}
	}
}

// NewResponse keeps the day of submission and nothing of its time, a key
// that is the same for every spelling of the submission id, and a digest
// that tells a retry from different content.
func TestNewResponse(t *testing.T) {
	def := everyType()
	key := []byte("secret")
	at := time.Date(2026, 5, 3, 23, 30, 0, 0, time.FixedZone("", -2*3600)) // 01:30 UTC on the 4th
	sub := func(id, lang string, raw map[string]json.RawMessage) *surveys.Submission {
		return &surveys.Submission{SubmissionID: id, Revision: 1, Lang: lang, Answers: raw}
	}
	r, err := surveys.NewResponse(key, "survey", def, sub(submissionID, "", everyAnswer()), at)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lang != "en" || r.Day != "2026-05-04" || r.Revision != 1 || r.SurveyID != "survey" || r.Answers["pick"].Choice != "a" {
		t.Fatalf("response %+v", r)
	}
	if r.Key == "" || strings.Contains(r.Key, submissionID) {
		t.Fatalf("key %q", r.Key)
	}
	retry, err := surveys.NewResponse(key, "survey", def, sub(strings.ToUpper(submissionID), "en", everyAnswer()), at.Add(48*time.Hour))
	if err != nil || retry.Key != r.Key || retry.Digest != r.Digest {
		t.Fatalf("a retry: %v, key %q digest %q, want %q %q", err, retry.Key, retry.Digest, r.Key, r.Digest)
	}
	if other := surveys.SubmissionKey(key, "another survey", submissionID); other == r.Key {
		t.Fatal("the same key in another survey")
	}
	changed := everyAnswer()
	changed["hours"] = json.RawMessage(`6`)
	if reused, err := surveys.NewResponse(key, "survey", def, sub(submissionID, "en", changed), at); err != nil || reused.Digest == r.Digest {
		t.Fatalf("other answers under the same id: %v, same digest %v", err, reused != nil && reused.Digest == r.Digest)
	}

	_, err = surveys.NewResponse(key, "survey", def, sub(submissionID, "sv", everyAnswer()), at)
	if got := fieldErrors(t, err); !slices.Equal(got, []string{"/lang unsupported_language"}) {
		t.Fatalf("problems %q", got)
	}
	bad := everyAnswer()
	delete(bad, "pick")
	_, err = surveys.NewResponse(key, "survey", def, sub(submissionID, "en", bad), at)
	if got := fieldErrors(t, err); !slices.Equal(got, []string{"/answers/pick required"}) {
		t.Fatalf("problems %q", got)
	}
}

// The receipt thanks in the respondent's language (or the default one),
// shows where to get help after a sensitive survey, and links public
// results.
func TestNewReceipt(t *testing.T) {
	def := everyType()
	def.Languages = []string{"en", "sv"}
	def.ThankYou = surveys.Text{"en": "Thanks", "sv": "Tack"}
	r := surveys.NewReceipt("s1", 2, def, "sv", "ltr")
	if r.ThankYou != "Tack" || r.SupportResources != nil || r.ResultsURL != "" || r.Revision != 2 || r.Dir != "ltr" {
		t.Fatalf("receipt %+v", r)
	}
	def.Sensitive, def.PublicResults = true, true
	def.SupportResources = []surveys.SupportResource{{Country: "SE", Name: surveys.Text{"en": "Helpline", "sv": "Stödlinjen"}, Phone: "116 111", Hours: en("Always")}}
	r = surveys.NewReceipt("s1", 2, def, "sv", "ltr")
	want := []surveys.LocalizedSupportResource{{Country: "SE", Name: "Stödlinjen", Phone: "116 111", Hours: "Always"}}
	if r.ResultsURL != "/v1/surveys/s1/results" || !slices.Equal(r.SupportResources, want) {
		t.Fatalf("receipt %+v", r)
	}
	if r := surveys.NewReceipt("s1", 2, def, "ar", "rtl"); r.ThankYou != "Thanks" {
		t.Fatalf("no fallback to the default language: %+v", r)
	}
}
