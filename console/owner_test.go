package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// auditActions reads the organisation's audit log through the API, oldest
// first, as "action detail" lines.
func auditActions(t *testing.T, e *apitest.Env, owner string) []string {
	t.Helper()
	var log struct {
		Entries []struct{ Action, Detail string }
	}
	e.Do("GET", "/v1/org/audit?limit=200", nil, bearer(owner)...).JSON(t, &log)
	var out []string
	for i := len(log.Entries) - 1; i >= 0; i-- {
		out = append(out, strings.TrimSpace(log.Entries[i].Action+" "+log.Entries[i].Detail))
	}
	return out
}

// messageID finds a message id shown instead of its words.
var messageID = regexp.MustCompile(`(console|field|problem)\.[a-z_]+\.[a-z_]+`)

func mustStatus(t *testing.T, p page, status int, what string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: %d, want %d: %.600s", what, p.status, status, p.body)
	}
}

// Every owners' page renders for an owner (in English and in Arabic,
// right to left) and is a 403 page for an editor and an analyst, as the
// API's routes are owners only; support resources are read by every role
// and changed by owners and editors, as GET and PUT
// /v1/org/support-resources allow.
func TestOwnerPagesAreForOwners(t *testing.T) {
	e := apitest.New(t)
	orgID, owner := e.Org("Kommunen")
	ministry, _ := e.Org("Ministeriet")
	id := colourSurvey(t, e, owner)
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministry}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	editorID, editor := token(t, e, owner, "editor")
	_, analyst := token(t, e, owner, "analyst")
	ownersOnly := []string{"/console/org", "/console/tokens", "/console/tokens/" + editorID + "/revoke", "/console/shares",
		"/console/surveys/" + id + "/shares", "/console/surveys/" + id + "/shares/" + ministry + "/remove", "/console/audit"}
	ob := newBrowser(t, e)
	ob.signIn(owner)
	for _, path := range append(ownersOnly, "/console/support") {
		p := ob.get(path + "?lang=en")
		mustStatus(t, p, 200, path)
		if !strings.Contains(p.body, `<html lang="en" dir="ltr">`) || messageID.MatchString(p.body) {
			t.Errorf("%s: not an English page, or a message id shows: %.400s", path, p.body)
		}
		ar := ob.get(path + "?lang=ar")
		mustStatus(t, ar, 200, path+" in Arabic")
		if !strings.Contains(ar.body, `<html lang="ar" dir="rtl">`) || messageID.MatchString(ar.body) {
			t.Errorf("%s in Arabic: %.400s", path, ar.body)
		}
	}
	for _, want := range []string{`href="/console/tokens"`, `href="/console/shares"`, `href="/console/audit"`, `href="/console/org"`, `href="/console/support"`} {
		if p := ob.get("/console/?lang=en"); !strings.Contains(p.body, want) {
			t.Errorf("an owner's navigation lacks %s", want)
		}
	}
	if p := ob.get("/console/support"); !strings.Contains(p.body, `method="post" action="/console/support"`) {
		t.Error("an owner gets no support resources form")
	}
	if p := ob.get("/console/org"); !strings.Contains(p.body, orgID) {
		t.Error("the organisation page does not show the organisation's id")
	}
	for _, tc := range []struct{ role, tok string }{{"editor", editor}, {"analyst", analyst}} {
		b := newBrowser(t, e)
		b.signIn(tc.tok)
		for _, path := range ownersOnly {
			p := b.get(path + "?lang=en")
			if p.status != 403 || !strings.Contains(p.body, "Your token&#39;s role does not allow this.") {
				t.Errorf("%s GET %s: %d %.300s", tc.role, path, p.status, p.body)
			}
		}
		home := b.get("/console/")
		if strings.Contains(home.body, `href="/console/tokens"`) || strings.Contains(home.body, `href="/console/audit"`) {
			t.Errorf("%s: the navigation links to owners' pages", tc.role)
		}
		sup := b.get("/console/support")
		mustStatus(t, sup, 200, tc.role+" support")
		if form := strings.Contains(sup.body, `method="post" action="/console/support"`); form != (tc.role == "editor") {
			t.Errorf("%s: support resources form shown: %v", tc.role, form)
		}
		// The POSTs too, with the session's own token.
		csrf := b.csrf
		for _, path := range []string{"/console/org", "/console/tokens", "/console/tokens/" + editorID + "/revoke",
			"/console/surveys/" + id + "/shares", "/console/surveys/" + id + "/shares/" + ministry + "/remove"} {
			if p := b.post(path, url.Values{"csrf": {csrf}, "name": {"X"}, "role": {"owner"}, "org_id": {ministry}}); p.status != 403 {
				t.Errorf("%s POST %s: %d", tc.role, path, p.status)
			}
		}
		p := b.post("/console/support", url.Values{"csrf": {csrf}, "r0.country": {"SE"}, "r0.name.en": {"Helpline"}, "r0.phone": {"116 111"}})
		if want := map[string]int{"editor": 303, "analyst": 403}[tc.role]; p.status != want {
			t.Errorf("%s POST /console/support: %d, want %d", tc.role, p.status, want)
		}
	}
	// Nothing the editor and the analyst posted changed anything but the
	// editor's support resources.
	if r := e.Do("GET", "/v1/org", nil, bearer(owner)...); !strings.Contains(string(r.Body), `"Kommunen"`) {
		t.Errorf("the organisation was renamed: %s", r.Body)
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(editor)...); r.Status != 200 {
		t.Errorf("the editor's token was revoked: %d", r.Status)
	}
	if got := auditActions(t, e, owner); strings.Contains(strings.Join(got, "\n"), "unshare") || strings.Count(strings.Join(got, "\n"), "token_create") != 2 {
		t.Errorf("audit: %q", got)
	}
}

// A token made in the console is shown once, on the answer to the form
// (never in a URL, never on another page), works on the API with its
// role, and is recorded in the audit log as the API records one; revoking
// it (after a confirmation) ends it. The last owner token stays.
func TestTokenIsShownOnceAndRevoked(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	b.signIn(owner)
	b.get("/console/tokens")
	p := b.post("/console/tokens", url.Values{"csrf": {b.csrf}, "role": {"editor"}, "name": {"Amal (translations)"}})
	mustStatus(t, p, 201, "create")
	secret := regexp.MustCompile(`id="new-token" type="text" value="(yv_[A-Za-z0-9_-]+)" readonly`).FindStringSubmatch(p.body)
	if secret == nil {
		t.Fatalf("no token on the page: %s", p.body)
	}
	for _, want := range []string{"it will not be shown again", "Amal (translations)", "Editor"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the new token's page lacks %q", want)
		}
	}
	if p.header.Get("Location") != "" || p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", p.header)
	}
	var me struct{ Role string }
	if r := e.Do("GET", "/v1/org", nil, bearer(secret[1])...); r.Status != 200 {
		t.Fatalf("the new token on the API: %d", r.Status)
	} else if r.JSON(t, &me); me.Role != "editor" {
		t.Errorf("role %q", me.Role)
	}
	list := b.get("/console/tokens")
	if strings.Contains(list.body, secret[1]) || !strings.Contains(list.body, "Amal (translations)") {
		t.Errorf("the list shows the secret, or not the token")
	}
	var toks struct{ Tokens []struct{ ID, Name string } }
	e.Do("GET", "/v1/org/tokens", nil, bearer(owner)...).JSON(t, &toks)
	newID := ""
	for _, tk := range toks.Tokens {
		if tk.Name == "Amal (translations)" {
			newID = tk.ID
		}
	}
	if newID == "" {
		t.Fatalf("tokens: %+v", toks)
	}
	// A role that does not exist is refused next to the field, and nothing is made.
	bad := b.post("/console/tokens", url.Values{"csrf": {b.csrf}, "role": {"admin"}, "name": {strings.Repeat("n", 201)}})
	mustStatus(t, bad, 422, "bad role")
	for _, want := range []string{`<p id="role-error" class="error">This value is not valid.</p>`,
		`aria-describedby="role-help role-error" aria-invalid="true"`, `id="name-error"`, `aria-invalid="true" aria-describedby="name-error"`,
		`<a href="#role">`, `<a href="#name">`} {
		if !strings.Contains(bad.body, want) {
			t.Errorf("the refused form lacks %s", want)
		}
	}
	if strings.Contains(bad.body, `id="new-token"`) {
		t.Error("a refused form shows a token")
	}
	// Revoke: a confirmation, then the POST.
	conf := b.get("/console/tokens/" + newID + "/revoke")
	mustStatus(t, conf, 200, "confirm")
	if !strings.Contains(conf.body, `<form method="post" action="/console/tokens/`+newID+`/revoke">`) {
		t.Fatalf("no confirmation form: %s", conf.body)
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(secret[1])...); r.Status != 200 {
		t.Fatalf("the confirmation page revoked the token: %d", r.Status)
	}
	e.Clock.Advance(time.Second) // the audit log's order
	rev := b.post("/console/tokens/"+newID+"/revoke", url.Values{"csrf": {b.csrf}})
	if rev.status != 303 || rev.header.Get("Location") != "/console/tokens?revoked=1" {
		t.Fatalf("revoke: %d %q", rev.status, rev.header.Get("Location"))
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(secret[1])...); r.Status != 401 {
		t.Errorf("the revoked token on the API: %d", r.Status)
	}
	if p := b.get(rev.header.Get("Location")); !strings.Contains(p.body, "The token was revoked.") {
		t.Error("no notice of the revocation")
	}
	// The audit entries are the API's: the id and role, then the id.
	got := auditActions(t, e, owner)
	want := []string{"token_create " + newID + " editor", "token_revoke " + newID}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("audit %q, want %q", got, want)
	}
	// The organisation's last owner token stays, said on the page.
	var all struct{ Tokens []struct{ ID, Role string } }
	e.Do("GET", "/v1/org/tokens", nil, bearer(owner)...).JSON(t, &all)
	ownerID := ""
	for _, tk := range all.Tokens {
		if tk.Role == "owner" {
			ownerID = tk.ID
		}
	}
	b.get("/console/tokens/" + ownerID + "/revoke")
	last := b.post("/console/tokens/"+ownerID+"/revoke", url.Values{"csrf": {b.csrf}})
	mustStatus(t, last, 409, "the last owner token")
	if !strings.Contains(last.body, "last valid owner token") {
		t.Errorf("no reason given: %s", last.body)
	}
	// Another organisation's token is not found.
	_, other := e.Org("Annan")
	var otherToks struct{ Tokens []struct{ ID string } }
	e.Do("GET", "/v1/org/tokens", nil, bearer(other)...).JSON(t, &otherToks)
	if p := b.get("/console/tokens/" + otherToks.Tokens[0].ID + "/revoke"); p.status != 404 {
		t.Errorf("another organisation's token: %d", p.status)
	}
}

// Sharing a survey from the console puts it on the ministry's home page;
// removing the share (after a confirmation) takes it off. Both are
// audited as the API's are; a wrong organisation id is refused next to
// the field, in the person's language.
func TestShareWithAMinistryFromTheConsole(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ministry, ministryOwner := e.Org("Socialdepartementet")
	id := colourSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	if p := b.get("/console/shares"); !strings.Contains(p.body, `href="/console/surveys/`+id+`/shares"`) {
		t.Fatalf("the sharing page does not list the survey: %s", p.body)
	}
	mb := newBrowser(t, e)
	mb.signIn(ministryOwner)
	if p := mb.get("/console/"); strings.Contains(p.body, "Colours") {
		t.Fatal("the ministry sees the survey before it is shared")
	}
	// A wrong id, then the organisation's own, then the ministry's.
	b.get("/console/surveys/" + id + "/shares?lang=ar")
	bad := b.post("/console/surveys/"+id+"/shares", url.Values{"csrf": {b.csrf}, "org_id": {"no-such-org"}})
	mustStatus(t, bad, 422, "unknown org")
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	msg := cat.Message("ar", "field.unknown_org", nil)
	if !strings.Contains(bad.body, `<p id="org_id-error" class="error">`+msg+`</p>`) ||
		!strings.Contains(bad.body, `aria-describedby="org_id-help org_id-error" aria-invalid="true"`) || !strings.Contains(bad.body, `value="no-such-org"`) {
		t.Errorf("the refused form: %s", bad.body)
	}
	b.get("/console/surveys/" + id + "/shares?lang=en")
	self := b.post("/console/surveys/"+id+"/shares", url.Values{"csrf": {b.csrf}, "org_id": {e.Do("GET", "/v1/org", nil, bearer(owner)...).Map(t)["id"].(string)}})
	mustStatus(t, self, 422, "own org")
	e.Clock.Advance(time.Second)
	add := b.post("/console/surveys/"+id+"/shares", url.Values{"csrf": {b.csrf}, "org_id": {ministry}})
	if add.status != 303 || add.header.Get("Location") != "/console/surveys/"+id+"/shares?added="+ministry {
		t.Fatalf("share: %d %q %s", add.status, add.header.Get("Location"), add.body)
	}
	shares := b.get(add.header.Get("Location"))
	if !strings.Contains(shares.body, "The survey is now shared with Socialdepartementet.") || !strings.Contains(shares.body, "<code>"+ministry+"</code>") {
		t.Errorf("the shares page: %s", shares.body)
	}
	if p := mb.get("/console/"); !strings.Contains(p.body, "Colours") || !strings.Contains(p.body, "From Kommunen") {
		t.Errorf("the ministry's home page lacks the shared survey: %s", p.body)
	}
	// Remove: a confirmation naming the organisation, then the POST.
	conf := b.get("/console/surveys/" + id + "/shares/" + ministry + "/remove")
	mustStatus(t, conf, 200, "confirm")
	if !strings.Contains(conf.body, "Socialdepartementet will no longer be able to read") {
		t.Errorf("confirmation: %s", conf.body)
	}
	if p := mb.get("/console/"); !strings.Contains(p.body, "Colours") {
		t.Fatal("the confirmation page removed the share")
	}
	e.Clock.Advance(time.Second) // the audit log's order
	rm := b.post("/console/surveys/"+id+"/shares/"+ministry+"/remove", url.Values{"csrf": {b.csrf}})
	if rm.status != 303 {
		t.Fatalf("remove: %d %s", rm.status, rm.body)
	}
	if p := b.get(rm.header.Get("Location")); !strings.Contains(p.body, "The survey is no longer shared with Socialdepartementet.") {
		t.Errorf("after removing: %s", p.body)
	}
	if p := mb.get("/console/"); strings.Contains(p.body, "Colours") {
		t.Error("the ministry still sees the survey")
	}
	if p := b.get("/console/surveys/" + id + "/shares/" + ministry + "/remove"); p.status != 404 {
		t.Errorf("a share that is gone: %d", p.status)
	}
	got := strings.Join(auditActions(t, e, owner), "\n")
	if !strings.Contains(got, "share "+ministry+"\nunshare "+ministry) {
		t.Errorf("audit: %s", got)
	}
	// Another organisation's survey is not found.
	_, other := e.Org("Annan")
	ob := newBrowser(t, e)
	ob.signIn(other)
	if p := ob.get("/console/surveys/" + id + "/shares"); p.status != 404 {
		t.Errorf("another organisation's survey: %d", p.status)
	}
}

// A support resource with a bad field is refused: the translated problem
// is next to its field (aria-describedby), the form keeps what was typed,
// and nothing is stored. A good one is stored as PUT
// /v1/org/support-resources stores it, shown per country, and removed by
// its box.
func TestSupportResourcesForm(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	b.signIn(owner)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ar"} {
		b.get("/console/support?lang=" + lang)
		p := b.post("/console/support", url.Values{"csrf": {b.csrf}, "r0.country": {"Sweden"}, "r0.name.en": {"Helpline"},
			"r0.name.sv": {"Stödlinjen"}, "r0.phone": {"116 111"}, "r0.url": {"ftp://x"}, "r1.country": {""}, "r1.name.en": {""}})
		mustStatus(t, p, 422, lang)
		country, url := cat.Message(lang, "field.invalid_country", nil), cat.Message(lang, "field.invalid", nil)
		for _, want := range []string{
			`<p id="r0-country-error" class="error">` + country + `</p>`,
			`name="r0.country" type="text" value="SWEDEN"`,
			`aria-invalid="true" aria-describedby="r0-country-error"`,
			`<p id="r0-url-error" class="error">` + url + `</p>`,
			`<a href="#r0-country">` + country + `</a>`,
			`value="Stödlinjen" lang="sv"`,
		} {
			if !strings.Contains(p.body, want) {
				t.Errorf("%s: the refused form lacks %s", lang, want)
			}
		}
		if r := e.Do("GET", "/v1/org/support-resources", nil, bearer(owner)...); string(r.Body) != `{"support_resources":[]}` {
			t.Fatalf("stored after a refusal: %s", r.Body)
		}
	}
	// No name at all: the problem is on the group of names.
	b.get("/console/support?lang=en")
	p := b.post("/console/support", url.Values{"csrf": {b.csrf}, "r0.country": {"se"}, "r0.phone": {"116 111"}})
	mustStatus(t, p, 422, "no name")
	if !strings.Contains(p.body, `<p id="r0-name-error" class="error">This field is required.</p>`) ||
		!strings.Contains(p.body, `id="r0-name-en" name="r0.name.en" type="text" value="" lang="en" dir="ltr" aria-invalid="true" aria-describedby="r0-name-error"`) {
		t.Errorf("the group's problem: %s", p.body)
	}
	// A good one (the country in small letters is taken in capitals).
	ok := b.post("/console/support", url.Values{"csrf": {b.csrf}, "r0.country": {"se"}, "r0.name.en": {"Helpline"}, "r0.name.ar": {"خط المساعدة"},
		"r0.phone": {"116 111"}, "r0.hours.en": {"Every day"}, "r1.country": {"FI"}, "r1.name.fi": {"Nuorten Exit"}, "r1.url": {"https://nuortenexit.fi"},
		"r2.country": {""}})
	if ok.status != 303 || ok.header.Get("Location") != "/console/support?saved=1" {
		t.Fatalf("save: %d %s", ok.status, ok.body)
	}
	var got struct {
		SupportResources []surveys.SupportResource `json:"support_resources"`
	}
	e.Do("GET", "/v1/org/support-resources", nil, bearer(owner)...).JSON(t, &got)
	if len(got.SupportResources) != 2 || got.SupportResources[0].Country != "SE" || got.SupportResources[0].Name["ar"] != "خط المساعدة" ||
		got.SupportResources[0].Hours["en"] != "Every day" || got.SupportResources[1].URL != "https://nuortenexit.fi" {
		t.Fatalf("stored: %+v", got)
	}
	page := b.get("/console/support?saved=1&lang=ar")
	for _, want := range []string{`<h3 id="country-FI">`, `<h3 id="country-SE">`, `<span lang="ar" dir="auto">خط المساعدة</span>`, `value="Nuorten Exit" lang="fi"`, `name="r2.country"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Removing the first by its box.
	b.get("/console/support")
	rm := b.post("/console/support", url.Values{"csrf": {b.csrf}, "r0.country": {"SE"}, "r0.name.en": {"Helpline"}, "r0.phone": {"116 111"}, "r0.remove": {"1"},
		"r1.country": {"FI"}, "r1.name.fi": {"Nuorten Exit"}, "r1.url": {"https://nuortenexit.fi"}})
	mustStatus(t, rm, 303, "remove")
	e.Do("GET", "/v1/org/support-resources", nil, bearer(owner)...).JSON(t, &got)
	if len(got.SupportResources) != 1 || got.SupportResources[0].Country != "FI" {
		t.Errorf("after removing: %+v", got)
	}
	// A field the form never has is a bad request, not a 500.
	for _, key := range []string{"r99.country", "r0.colour", "r0.name", "r0.country.en", "r0.name.e n"} {
		if p := b.post("/console/support", url.Values{"csrf": {b.csrf}, key: {"x"}}); p.status != 400 {
			t.Errorf("%s: %d", key, p.status)
		}
	}
}

// The audit log pages as GET /v1/org/audit does (before/after cursors),
// newest first, each action in the organiser's language.
func TestAuditLogPages(t *testing.T) {
	e := apitest.New(t)
	orgID, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	b.signIn(owner)
	// 61 entries, several in the same millisecond, so that a page ends
	// inside one.
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 61 {
		at := base.Add(time.Duration(i/3) * time.Second)
		if err := e.Store.Audit(context.Background(), store.AuditEntry{OrgID: orgID, TokenID: "cli", Action: "org_rename",
			Detail: fmt.Sprintf("entry %02d", i), At: at}); err != nil {
			t.Fatal(err)
		}
	}
	entry := regexp.MustCompile(`<td dir="auto">entry (\d\d)</td>`)
	older := regexp.MustCompile(`href="/console/audit(\?[^"]+)" rel="next"`)
	seen := map[string]bool{}
	path, pages := "/console/audit?lang=en", 0
	for path != "" {
		pages++
		p := b.get(path)
		mustStatus(t, p, 200, path)
		for _, m := range entry.FindAllStringSubmatch(p.body, -1) {
			if seen[m[1]] {
				t.Errorf("entry %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		if pages == 1 {
			first := entry.FindStringSubmatch(p.body)
			if first == nil || first[1] < "58" || !strings.Contains(p.body, "<th scope=\"row\">Renamed the organisation</th>") ||
				!strings.Contains(p.body, "The command line on the server") || strings.Contains(p.body, `href="/console/audit">Newest entries`) {
				t.Errorf("the first page: %.2000s", p.body)
			}
		} else if !strings.Contains(p.body, `href="/console/audit">Newest entries`) {
			t.Errorf("page %d has no way back to the newest", pages)
		}
		path = ""
		if m := older.FindStringSubmatch(p.body); m != nil {
			path = "/console/audit" + strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
	}
	if len(seen) != 61 || pages != 2 {
		t.Errorf("%d entries on %d pages", len(seen), pages)
	}
	// In Arabic.
	if p := b.get("/console/audit?lang=ar"); !strings.Contains(p.body, "غيّر اسم المؤسسة") {
		t.Error("the actions are not in Arabic")
	}
	if p := b.get("/console/audit?before=yesterday"); p.status != 400 {
		t.Errorf("a bad cursor: %d", p.status)
	}
}

// Renaming the organisation in the console is app.RenameOrg: stored,
// audited, and a bad name is refused next to the field.
func TestRenameOrganisation(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("default")
	b := newBrowser(t, e)
	b.signIn(owner)
	b.get("/console/org")
	bad := b.post("/console/org", url.Values{"csrf": {b.csrf}, "name": {"  "}})
	mustStatus(t, bad, 422, "empty name")
	if !strings.Contains(bad.body, `<p id="name-error" class="error">This field is required.</p>`) ||
		!strings.Contains(bad.body, `aria-invalid="true" aria-describedby="name-error"`) {
		t.Errorf("refused: %s", bad.body)
	}
	ok := b.post("/console/org", url.Values{"csrf": {b.csrf}, "name": {" Kommunen  "}})
	if ok.status != 303 || ok.header.Get("Location") != "/console/org?renamed=1" {
		t.Fatalf("rename: %d %s", ok.status, ok.body)
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(owner)...); r.Map(t)["name"] != "Kommunen" {
		t.Errorf("API: %s", r.Body)
	}
	if got := auditActions(t, e, owner); len(got) != 1 || got[0] != `org_rename "default" -> "Kommunen"` {
		t.Errorf("audit: %q", got)
	}
}

// Every POST of the owners' pages without the session's CSRF token (or
// with another) is refused with the forgery page, and changes nothing.
func TestOwnerFormsNeedTheCSRFToken(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ministry, _ := e.Org("Ministeriet")
	id := colourSurvey(t, e, owner)
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministry}, bearer(owner)...); r.Status != 201 {
		t.Fatal(r.Status)
	}
	editorID, editor := token(t, e, owner, "editor")
	before := auditActions(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	b.get("/console/tokens")
	forms := map[string]url.Values{
		"/console/org":    {"name": {"Forged"}},
		"/console/tokens": {"role": {"owner"}, "name": {"forged"}},
		"/console/tokens/" + editorID + "/revoke":                    {},
		"/console/surveys/" + id + "/shares":                         {"org_id": {ministry}},
		"/console/surveys/" + id + "/shares/" + ministry + "/remove": {},
		"/console/support":                                           {"r0.country": {"SE"}, "r0.name.en": {"Forged"}, "r0.phone": {"1"}},
	}
	for path, form := range forms {
		for _, csrf := range []string{"", "not-the-token"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if csrf != "" {
				f.Set("csrf", csrf)
			}
			p := b.post(path, f)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "Request refused") {
				t.Errorf("POST %s with csrf %q: %d", path, csrf, p.status)
			}
		}
		// From another site, even with the token.
		f := url.Values{"csrf": {b.csrf}}
		if p := b.post(path, f, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
			t.Errorf("POST %s from another site: %d", path, p.status)
		}
	}
	if got := auditActions(t, e, owner); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Errorf("audit changed: %q, was %q", got, before)
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(editor)...); r.Status != 200 {
		t.Error("the editor's token was revoked")
	}
	if r := e.Do("GET", "/v1/org/support-resources", nil, bearer(owner)...); string(r.Body) != `{"support_resources":[]}` {
		t.Errorf("support resources: %s", r.Body)
	}
}

// Every role and every audit action the log names has its words in every
// language (the ids are made from values, which the scan of the templates
// in TestEveryConsoleMessageIsTranslated cannot see).
func TestOwnerPagesWordsFromValues(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range surveys.Roles {
		ids = append(ids, "console.tokens.role."+string(r), "console.tokens.role_help."+string(r))
	}
	for _, a := range []string{"publish", "close", "archive", "survey_import", "translations", "export", "live_view", "share", "unshare",
		"token_create", "token_revoke", "org_rename", "consultation_create", "consultation_update", "consultation_open",
		"consultation_analysing", "consultation_decided", "consultation_closed"} {
		ids = append(ids, "console.audit.action."+a)
	}
	for _, id := range ids {
		for _, l := range cat.Languages() {
			if !cat.Has(l, id) {
				t.Errorf("%s is not in locales/%s.json", id, l)
			}
		}
	}
}
