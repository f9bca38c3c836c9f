package app

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// CodeOrgName: an organisation's name holds characters that have no place
// in a name shown to others (control characters, line breaks, direction
// overrides).
const CodeOrgName surveys.Code = "org_name"

// ValidateOrgName checks an organisation's name and returns it without
// surrounding spaces. The name is shown to the organisations a survey is
// shared with (a ministry's GET /v1/org/shared) and in exports' headers, so
// it is one line of plain text: no control characters and no direction
// overrides, which could make it read as another organisation's name.
// pointer is where the name was in the request ("/name").
func ValidateOrgName(name, pointer string) (string, error) {
	name = strings.TrimSpace(name)
	fail := func(code surveys.Code, params map[string]any) (string, error) {
		return "", &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: pointer, Code: code, Params: params}}}
	}
	switch {
	case name == "":
		return fail(surveys.CodeRequired, nil)
	case !utf8.ValidString(name):
		return fail(CodeOrgName, nil)
	case utf8.RuneCountInString(name) > store.MaxOrgNameLength:
		return fail(surveys.CodeTooLong, map[string]any{"Max": store.MaxOrgNameLength})
	}
	for _, r := range name {
		if unicode.IsControl(r) || isDirectionControl(r) || r == '\u2028' || r == '\u2029' {
			return fail(CodeOrgName, nil)
		}
	}
	return name, nil
}

// isDirectionControl reports the bidirectional embedding, override and
// isolate characters (the marks LRM and RLM, which right-to-left names may
// need, are allowed).
func isDirectionControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// RenameOrg gives an organisation a new name and records it in the
// organisation's audit log (tokenID is who asked: a token's id, or "cli").
// The id stays, so tokens, surveys and shares are untouched; everyone who
// sees the organisation's name (shared surveys' owner_org) sees the new
// one at their next request. Renaming to the same name is allowed and
// audited too, so a retry after a failed audit write records it.
func (a *App) RenameOrg(ctx context.Context, orgID, tokenID, name string) (surveys.Org, error) {
	name, err := ValidateOrgName(name, "/name")
	if err != nil {
		return surveys.Org{}, err
	}
	old, err := a.store.Org(ctx, orgID)
	if err != nil {
		return surveys.Org{}, err
	}
	org, err := a.store.RenameOrg(ctx, orgID, name)
	if err != nil {
		return surveys.Org{}, err
	}
	detail := fmt.Sprintf("%q -> %q", old.Name, org.Name)
	if err := a.store.Audit(ctx, store.AuditEntry{OrgID: orgID, TokenID: tokenID, Action: "org_rename", Detail: detail, At: a.now()}); err != nil {
		return surveys.Org{}, err
	}
	return org, nil
}
