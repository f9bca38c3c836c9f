package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// The bootstrap organisation "default" is renamed by its owner (PATCH
// /v1/org, audited), and the ministry it shares a survey with sees the new
// name at once; GET /v1/org tells any token whose organisation it speaks
// for; only owners rename, and bad names get translated problems with a
// pointer.
func TestOrganisationRename(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ctx := context.Background()
	if created, err := e.Store.Bootstrap(ctx, "T-rename-bootstrap", e.Clock.Now()); err != nil || !created {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	owner := "T-rename-bootstrap"
	ministry, ministryOwner := e.Org("Socialdepartementet")
	id := createSurvey(t, e, owner, smallSurvey(t))
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministry}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	ownerName := func() string {
		t.Helper()
		var shared struct {
			Surveys []struct {
				OwnerOrg string `json:"owner_org"`
			}
		}
		e.Do("GET", "/v1/org/shared", nil, bearer(ministryOwner)...).JSON(t, &shared)
		if len(shared.Surveys) != 1 {
			t.Fatalf("shared: %+v", shared)
		}
		return shared.Surveys[0].OwnerOrg
	}
	if n := ownerName(); n != "default" {
		t.Fatalf("before: owner_org %q", n)
	}

	editor := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "editor"}, bearer(owner)...).Map(t)["token"].(string)
	var org struct {
		ID, Name, Role string
		CreatedAt      string `json:"created_at"`
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(editor)...); r.Status != 200 {
		t.Fatalf("GET /v1/org: %d %s", r.Status, r.Body)
	} else if r.JSON(t, &org); org.ID != "default" || org.Name != "default" || org.Role != "editor" || org.CreatedAt == "" {
		t.Fatalf("GET /v1/org: %s", r.Body)
	}
	if r := e.Do("PATCH", "/v1/org", map[string]string{"name": "Ungdomsrådet"}, bearer(editor)...); r.Status != 403 {
		t.Fatalf("editor renames: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PATCH", "/v1/org", map[string]string{"name": "Ungdomsrådet"}); r.Status != 401 {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}

	r := e.Do("PATCH", "/v1/org", map[string]string{"name": "  Ungdomsrådet Malmö  "}, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &org); org.ID != "default" || org.Name != "Ungdomsrådet Malmö" || org.Role != "owner" {
		t.Fatalf("rename answered %s", r.Body)
	}
	if n := ownerName(); n != "Ungdomsrådet Malmö" {
		t.Fatalf("the ministry sees owner_org %q", n)
	}
	if r := e.Do("GET", "/v1/org", nil, bearer(editor)...); !strings.Contains(string(r.Body), `"name":"Ungdomsrådet Malmö"`) {
		t.Fatalf("GET after rename: %s", r.Body)
	}
	audit := string(e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Body)
	if !strings.Contains(audit, `"action":"org_rename"`) || !strings.Contains(audit, `\"default\" -\u003e \"Ungdomsrådet Malmö\"`) &&
		!strings.Contains(audit, `\"default\" -> \"Ungdomsrådet Malmö\"`) {
		t.Fatalf("audit: %s", audit)
	}

	// Bad names: a pointer, a code, a message in the asked language.
	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]string{"name": "   "}, "required"},
		{map[string]any{}, "required"},
		{map[string]any{"name": nil}, "required"},
		{map[string]string{"name": strings.Repeat("ö", 201)}, "too_long"},
		{map[string]string{"name": "Two\nlines"}, "org_name"},
		{map[string]string{"name": "Rädda \u202eBarnen"}, "org_name"},
		{map[string]any{"name": 7}, "invalid_type"},
	} {
		r := e.Do("PATCH", "/v1/org?lang=sv", c.body, bearer(owner)...)
		if r.Status != 422 || pointers(t, r)["/name"] != c.code {
			t.Errorf("%v: %d %s", c.body, r.Status, r.Body)
		}
	}
	r = e.Do("PATCH", "/v1/org?lang=sv", map[string]string{"name": "A\tB"}, bearer(owner)...)
	if p := problemOf(t, r); len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "styrtecken") {
		t.Fatalf("Swedish message: %s", r.Body)
	}
	if r := e.Do("PATCH", "/v1/org", map[string]string{"name": "x", "id": "other"}, bearer(owner)...); r.Status != 422 || pointers(t, r)["/id"] != "unknown_field" {
		t.Fatalf("unknown field: %d %s", r.Status, r.Body)
	}
	// A right-to-left name with its marks is a name.
	if r := e.Do("PATCH", "/v1/org", map[string]string{"name": "منظمة الشباب\u200f"}, bearer(owner)...); r.Status != 200 {
		t.Fatalf("Arabic name: %d %s", r.Status, r.Body)
	}
}
