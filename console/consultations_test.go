package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/internal/racetest"
)

func both(en, ar string) map[string]string { return map[string]string{"en": en, "ar": ar} }

// parksConsultation is a complete consultation in English and Arabic
// linking one survey, whose breakdown question "age" is its age band.
func parksConsultation(surveyID string, e *apitest.Env) map[string]any {
	closes := e.Clock.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	decision := e.Clock.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)
	return map[string]any{
		"default_language": "en", "languages": []string{"en", "ar"},
		"title":          both("Colours of the new park", "ألوان الحديقة الجديدة"),
		"summary":        both("Which colour should the park be?", "ما لون الحديقة؟"),
		"background":     both("## Why we ask\n\nThe **council** decides in spring.", "## لماذا نسأل\n\nيقرر **المجلس** في الربيع."),
		"question":       both("Which colour for the park?", "أي لون للحديقة؟"),
		"decision_maker": both("The parks board", "مجلس الحدائق"),
		"closes_at":      closes, "decision_expected_by": decision,
		"surveys":       []string{surveyID},
		"participation": []any{map[string]any{"survey": surveyID, "age_band": "age"}},
	}
}

// colourOutcome cites the number of answers to question that are option.
func colourOutcome(surveyID, question, option string) map[string]any {
	return map[string]any{
		"findings": []any{map[string]any{
			"text":  both("Most of you want a red park.", "معظمكم يريد حديقة حمراء."),
			"cites": []any{map[string]any{"survey": surveyID, "question": question, "option": option}},
		}},
		"decisions": []any{map[string]any{
			"proposal": both("Paint the park red", "طلاء الحديقة باللون الأحمر"), "status": "adopted",
			"reason":     both("Most young people asked for it.", "طلبه معظم الشباب."),
			"decided_by": both("The parks board", "مجلس الحدائق"), "decided_on": "2026-11-20",
			"next": both("Painting starts in May.", "يبدأ الطلاء في مايو."),
		}},
	}
}

var consultationLocation = regexp.MustCompile(`^/console/consultations/([0-9a-f-]{36})\?done=created$`)

func jsonBytes(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// apiConsultation reads a consultation through the API.
func apiConsultation(t *testing.T, e *apitest.Env, tok, id string) map[string]any {
	t.Helper()
	r := e.Do("GET", "/v1/org/consultations/"+id, nil, bearer(tok)...)
	if r.Status != 200 {
		t.Fatalf("GET consultation: %d %s", r.Status, r.Body)
	}
	return r.Map(t)
}

func mustContain(t *testing.T, p page, what string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// An organiser, with only a browser, creates a consultation from a JSON
// document (its problems first, at their places, nothing stored),
// publishes it and moves it on through confirmation forms (a refused move
// explained), publishes an outcome (a suppressed number refused) and an
// update, reads it all back in English and Arabic, and downloads the
// participation report; the API reads back every change, audited.
func TestConsultationFromTheConsole(t *testing.T) {
	racetest.SkipSingleFlow(t)
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	sid := colourSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	home := b.get("/console/")
	mustContain(t, home, "home", `href="/console/consultations"`)
	list := b.get("/console/consultations")
	mustStatus(t, list, 200, "empty list")
	mustContain(t, list, "empty list", "There are no consultations here yet.", `href="/console/consultations/new"`)

	// Problems: an unknown member (strict decoding), then a survey the
	// organisation does not have; nothing is stored.
	mustStatus(t, b.get("/console/consultations/new"), 200, "new consultation page")
	def := parksConsultation(sid, e)
	def["colour"] = "red"
	p := b.upload("/console/consultations/new", map[string]string{"csrf": b.csrf}, "parks.json", jsonBytes(t, def))
	mustStatus(t, p, http.StatusUnprocessableEntity, "unknown member")
	mustContain(t, p, "unknown member", "<code class=\"meta\">/colour</code>", "Nothing was stored")
	delete(def, "colour")
	def["surveys"] = []string{"00000000-0000-4000-8000-000000000000", sid}
	p = b.post("/console/consultations/new", url.Values{"csrf": {b.csrf}, "json": {string(jsonBytes(t, def))}})
	mustStatus(t, p, http.StatusUnprocessableEntity, "unknown survey")
	mustContain(t, p, "unknown survey", "surveys 1", "/surveys/0", `aria-invalid="true"`, "00000000-0000-4000-8000-000000000000")
	if r := e.Do("GET", "/v1/org/consultations", nil, bearer(owner)...); strings.Contains(string(r.Body), `"id"`) {
		t.Fatalf("a refused document was stored: %s", r.Body)
	}
	def["surveys"] = []string{sid}
	p = b.upload("/console/consultations/new", map[string]string{"csrf": b.csrf}, "parks.json", jsonBytes(t, def))
	m := consultationLocation.FindStringSubmatch(p.header.Get("Location"))
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	id := m[1]
	base := "/console/consultations/" + id
	pg := b.get(base + "?done=created")
	mustStatus(t, pg, 200, "consultation page")
	mustContain(t, pg, "consultation page", "The consultation was created as a draft.", "Colours of the new park",
		"<h2>Why we ask</h2>", "<strong>council</strong>", `href="/console/surveys/`+sid+`"`, `href="`+base+`/move/publish"`,
		"No outcome has been published yet.", base+"/report?format=pdf&amp;lang=ar")
	if strings.Contains(pg.body, base+"/move/close") {
		t.Error("a draft offers to close")
	}

	// A move: the confirmation page, a forged POST refused, then the move.
	mustStatus(t, b.get(base+"/move/publish"), 200, "confirm publish")
	mustStatus(t, b.post(base+"/move/publish", url.Values{}), http.StatusForbidden, "publish without the form's token")
	mustStatus(t, b.post(base+"/move/publish", url.Values{"csrf": {b.csrf}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "cross-site publish")
	if st := apiConsultation(t, e, owner, id)["state"]; st != "draft" {
		t.Fatalf("a refused form moved it: %v", st)
	}
	p = b.post(base+"/move/publish", url.Values{"csrf": {b.csrf}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != base+"?done=publish" {
		t.Fatalf("publish: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	if st := apiConsultation(t, e, owner, id)["state"]; st != "open" {
		t.Fatalf("after publishing: %v", st)
	}
	// Refused: open cannot be decided; an open consultation has no outcome.
	p = b.post(base+"/move/decide", url.Values{"csrf": {b.csrf}})
	mustStatus(t, p, http.StatusConflict, "decide an open consultation")
	mustContain(t, p, "refused move", "This could not be done", "“open” and cannot change to “decided”")
	p = b.upload(base+"/outcome", map[string]string{"csrf": b.csrf}, "outcome.json", jsonBytes(t, colourOutcome(sid, "age", "13")))
	mustStatus(t, p, http.StatusConflict, "outcome while open")
	mustContain(t, p, "outcome while open", "“open”")
	mustStatus(t, b.post(base+"/move/analyse", url.Values{"csrf": {b.csrf}}), http.StatusSeeOther, "analyse")

	// The outcome: a suppressed number (3 of 40 said blue) cannot be
	// cited; a released one (how many of them are 13) can.
	p = b.upload(base+"/outcome", map[string]string{"csrf": b.csrf}, "outcome.json", jsonBytes(t, colourOutcome(sid, "colour", "blue")))
	mustStatus(t, p, http.StatusUnprocessableEntity, "suppressed citation")
	mustContain(t, p, "suppressed citation", "/findings/0/cites/0")
	if r := e.Do("GET", "/v1/org/consultations/"+id+"/outcome", nil, bearer(owner)...); r.Status != 404 {
		t.Fatalf("a refused outcome was stored: %d %s", r.Status, r.Body)
	}
	p = b.upload(base+"/outcome", map[string]string{"csrf": b.csrf}, "outcome.json", jsonBytes(t, colourOutcome(sid, "age", "13")))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != base+"?done=outcome" {
		t.Fatalf("publish the outcome: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	var out struct {
		Findings []struct {
			Cites []struct{ Count int } `json:"cites"`
		} `json:"findings"`
		Updates []json.RawMessage `json:"updates"`
	}
	e.Do("GET", "/v1/org/consultations/"+id+"/outcome", nil, bearer(owner)...).JSON(t, &out)
	// The number is the release's (which holds some of the 40 answers).
	if len(out.Findings) != 1 || len(out.Findings[0].Cites) != 1 || out.Findings[0].Cites[0].Count < 10 {
		t.Fatalf("the API's outcome: %+v", out)
	}
	cited := ">" + strconv.Itoa(out.Findings[0].Cites[0].Count) + " ("
	update := map[string]any{"text": both("The painters are booked.", "تم حجز الدهانين.")}
	p = b.post(base+"/outcome/update", url.Values{"csrf": {b.csrf}, "json": {string(jsonBytes(t, update))}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != base+"?done=outcome_update" {
		t.Fatalf("update: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	e.Do("GET", "/v1/org/consultations/"+id+"/outcome", nil, bearer(owner)...).JSON(t, &out)
	if len(out.Updates) != 1 {
		t.Fatalf("updates: %d", len(out.Updates))
	}

	// The page in English, then in Arabic, right to left.
	pg = b.get(base)
	mustContain(t, pg, "analysed page", "What you said", "Most of you want a red park.", cited, "What we did",
		"Paint the park red", "adopted", "The painters are booked.", "Who took part", `href="`+base+`/outcome/update"`)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	ar := b.get(base + "?lang=ar")
	mustStatus(t, ar, 200, "Arabic page")
	mustContain(t, ar, "Arabic page", `<html lang="ar" dir="rtl">`, "ألوان الحديقة الجديدة", "معظمكم يريد حديقة حمراء.",
		"<h2>لماذا نسأل</h2>", cat.Message("ar", "participation.findings", nil), cat.Message("ar", "decision.status.adopted", nil),
		cat.Message("ar", "console.consultations.title", nil))
	// The English texts may be read in the Arabic console, and back.
	en := b.get(base + "?clang=en")
	mustContain(t, en, "English texts in the Arabic console", `<html lang="ar" dir="rtl">`, `lang="en" dir="ltr"`, "Most of you want a red park.")
	b.get(base + "?lang=en")

	// The list: its state, its survey, its outcome, its measures.
	list = b.get("/console/consultations")
	mustContain(t, list, "list", "Being analysed", "Colours of the new park", "Colours", "Published", "Outcome published 0 days after taking part ended.")

	// The report, by the API's workflow, audited as there.
	for format, magic := range map[string]string{"pdf": "%PDF", "xlsx": "PK"} {
		r := b.get(base + "/report?format=" + format + "&lang=en")
		if r.status != 200 || !strings.HasPrefix(r.body, magic) || !strings.Contains(r.header.Get("Content-Disposition"), "participation-en."+format) {
			t.Errorf("report %s: %d %q", format, r.status, r.header.Get("Content-Disposition"))
		}
	}
	for _, q := range []string{"format=doc&lang=en", "format=pdf&lang=fr", "format=pdf"} {
		mustStatus(t, b.get(base+"/report?"+q), 400, "report "+q)
	}
	actions := toJSON(t, e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Map(t))
	for _, want := range []string{id + "/participation/pdf/en", id + "/participation/xlsx/en", "consultation_create", "consultation_open",
		"consultation_analysing", "consultation_outcome", "consultation_outcome_update"} {
		if !strings.Contains(actions, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}

	// Editing: the definition downloads as the document the form takes.
	d := b.get(base + "/definition")
	var got map[string]any
	if d.status != 200 || json.Unmarshal([]byte(d.body), &got) != nil || !strings.Contains(d.body, "**council**") {
		t.Fatalf("definition: %d %s", d.status, d.body)
	}
	got["summary"] = both("Red, blue or green?", "أحمر أم أزرق أم أخضر؟")
	mustStatus(t, b.get(base+"/edit"), 200, "edit page")
	p = b.upload(base+"/edit", map[string]string{"csrf": b.csrf}, "def.json", jsonBytes(t, got))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != base+"?done=updated" {
		t.Fatalf("edit: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	if s := toJSON(t, apiConsultation(t, e, owner, id)["definition"]); !strings.Contains(s, "Red, blue or green?") {
		t.Fatalf("the edit did not reach the API: %s", s)
	}
	mustStatus(t, b.post(base+"/move/decide", url.Values{"csrf": {b.csrf}}), http.StatusSeeOther, "decide")
	mustStatus(t, b.post(base+"/move/close", url.Values{"csrf": {b.csrf}}), http.StatusSeeOther, "close")
	closed := b.get(base + "?done=close")
	mustContain(t, closed, "closed page", "The consultation is closed.")
	for _, no := range []string{base + "/edit\"", base + "/move/", base + "/outcome/update\""} {
		if strings.Contains(closed.body, no) {
			t.Errorf("a closed consultation offers %s", no)
		}
	}
	p = b.upload(base+"/edit", map[string]string{"csrf": b.csrf}, "def.json", jsonBytes(t, got))
	mustStatus(t, p, http.StatusConflict, "edit a closed consultation")
	mustContain(t, p, "edit a closed consultation", "A closed consultation can no longer be changed.")
	mustStatus(t, b.get(base+"?done=whatever"), 400, "unknown notice")
	mustStatus(t, b.get(base+"/move/reopen"), 404, "unknown move")
}

// Every role of the organisation reads; only owners and editors act. A
// ministry reads, read only, a public consultation that includes a survey
// shared with it, and downloads its report (audited in both
// organisations); nothing else of the organisation's.
func TestConsultationRolesAndMinistry(t *testing.T) {
	racetest.SkipSingleFlow(t)
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	sid := colourSurvey(t, e, owner)
	r := e.Do("POST", "/v1/org/consultations", parksConsultation(sid, e), bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	base := "/console/consultations/" + id
	_, analyst := token(t, e, owner, "analyst")
	a := newBrowser(t, e)
	a.signIn(analyst)
	mustContain(t, a.get("/console/"), "analyst's nav", `href="/console/consultations"`)
	list := a.get("/console/consultations")
	mustStatus(t, list, 200, "analyst's list")
	mustContain(t, list, "analyst's list", "Drafts", "Colours of the new park")
	if strings.Contains(list.body, "/console/consultations/new") {
		t.Error("an analyst is offered to create a consultation")
	}
	for _, lang := range []string{"en", "ar"} {
		p := a.get(base + "?lang=" + lang)
		mustStatus(t, p, 200, "analyst's page "+lang)
		if strings.Contains(p.body, "/move/") || strings.Contains(p.body, base+"/edit") {
			t.Errorf("an analyst is offered a move or an edit (%s)", lang)
		}
	}
	a.get(base + "?lang=en")
	for _, path := range []string{base + "/move/publish", base + "/edit", base + "/outcome", "/console/consultations/new"} {
		mustStatus(t, a.get(path), http.StatusForbidden, "analyst GET "+path)
	}
	mustStatus(t, a.post(base+"/move/publish", url.Values{"csrf": {a.csrf}}), http.StatusForbidden, "analyst publishes")
	mustStatus(t, a.get(base+"/definition"), 200, "analyst's definition")

	ministryID, ministry := e.Org("Ministry")
	m := newBrowser(t, e)
	m.signIn(ministry)
	// Not shared, then shared but a draft: nothing.
	mustStatus(t, m.get(base), 404, "unshared consultation")
	if r := e.Do("POST", "/v1/org/surveys/"+sid+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	mustStatus(t, m.get(base), 404, "shared survey, draft consultation")
	if strings.Contains(m.get("/console/consultations").body, id) {
		t.Error("a ministry sees a draft")
	}
	if r := e.Do("POST", "/v1/org/consultations/"+id+"/publish", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	list = m.get("/console/consultations")
	mustContain(t, list, "ministry's list", "Shared with your organisation", "Colours of the new park", "From Kommunen",
		`href="/console/surveys/`+sid+`"`)
	for _, lang := range []string{"en", "ar"} {
		p := m.get(base + "?lang=" + lang)
		mustStatus(t, p, 200, "ministry's page "+lang)
		if strings.Contains(p.body, "/move/") || strings.Contains(p.body, "/definition") || strings.Contains(p.body, base+"/edit") {
			t.Errorf("a ministry is offered to change another organisation's consultation (%s)", lang)
		}
	}
	m.get(base + "?lang=en")
	for _, path := range []string{base + "/move/analyse", base + "/edit", base + "/definition"} {
		mustStatus(t, m.get(path), 404, "ministry GET "+path)
	}
	mustStatus(t, m.post(base+"/move/analyse", url.Values{"csrf": {m.csrf}}), 404, "ministry moves")
	if st := apiConsultation(t, e, owner, id)["state"]; st != "open" {
		t.Fatalf("the ministry moved it: %v", st)
	}
	if r := m.get(base + "/report?format=pdf&lang=ar"); r.status != 200 || !strings.HasPrefix(r.body, "%PDF") {
		t.Fatalf("ministry's report: %d %.200s", r.status, r.body)
	}
	detail := id + "/participation/pdf/ar"
	if s := toJSON(t, e.Do("GET", "/v1/org/audit", nil, bearer(ministry)...).Map(t)); !strings.Contains(s, detail) {
		t.Errorf("the ministry's log lacks its download")
	}
	if s := toJSON(t, e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Map(t)); !strings.Contains(s, detail+"/by/"+ministryID) {
		t.Errorf("the owner's log lacks the ministry's download")
	}
}

// Every message the consultation pages name by a value (states, moves,
// notices, upload kinds) is in every language.
func TestConsultationMessagesInEveryLanguage(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range []string{"draft", "open", "analysing", "decided", "closed"} {
		ids = append(ids, "console.consultations.state."+s, "consultation.state."+s)
	}
	for _, a := range []string{"publish", "analyse", "decide", "close"} {
		ids = append(ids, "console.consultation.link."+a, "console.consultation.move."+a, "console.consultation.explain."+a,
			"console.consultation.do."+a, "console.consultation.done."+a)
	}
	for _, k := range []string{"create", "edit", "outcome", "update"} {
		ids = append(ids, "console.consultation.upload."+k, "console.consultation.intro."+k, "console.consultation.submit."+k)
	}
	ids = append(ids, "console.consultation.done.created", "console.consultation.done.updated", "console.consultation.done.outcome",
		"console.consultation.done.outcome_update")
	for _, id := range ids {
		for _, l := range cat.Languages() {
			if !cat.Has(l, id) {
				t.Errorf("message %q is not in locales/%s.json", id, l)
			}
		}
	}
}
