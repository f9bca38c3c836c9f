package api

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// maxPreviewBytes bounds a dry run's previews, all languages together. A
// preview repeats the default language's texts wherever a language lacks
// its own, so twenty languages of a definition at the body limit could
// otherwise answer twenty times the body. Languages past the bound (the
// default one comes first, so it is always shown) are left out and named
// in a preview_limited warning.
const maxPreviewBytes = 4 << 20

// warningPreviewLimited: a dry run left some languages' previews out.
const warningPreviewLimited = "preview_limited"

// warningView is a warning as the API shows it: the domain's warning with
// its message in the caller's language.
type warningView struct {
	Pointer string         `json:"pointer"`
	Code    string         `json:"code"`
	Params  map[string]any `json:"params,omitempty"`
	Message string         `json:"message"`
	// A warning about a workbook's cell (an XLSForm import) names it as
	// the spreadsheet shows it, as a 422's errors do.
	Sheet  string `json:"sheet,omitempty"`
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
	Cell   string `json:"cell,omitempty"`
}

// dryRunView is the answer to a dry run: what would be stored, what the
// app would show in each language, and the warnings. Nothing is stored.
type dryRunView struct {
	DryRun   bool                       `json:"dry_run"`
	Survey   surveys.Definition         `json:"survey"`
	Preview  map[string]json.RawMessage `json:"preview"`
	Warnings []warningView              `json:"warnings"`
}

// dryRunQuery reads ?dry_run=: absent or false is a real request, true a
// dry run; anything else is a 422 at /dry_run (a misspelt value must not
// store what the organiser meant only to check).
func dryRunQuery(c *fiber.Ctx) (bool, error) {
	switch v := c.Query("dry_run"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/dry_run", Code: codeNotBoolean}}}
}

// codeNotBoolean: a query parameter that takes only true or false.
const codeNotBoolean surveys.Code = "not_boolean"

// dryRun answers a dry run of a new definition (create, import): def is
// validated as a new survey's would be (a 422 with every problem, exactly
// as without dry_run), then answered with 200: the definition as it would
// be stored (language codes canonical, the organisation's default support
// resources added when it has none: the caller applies them, as it would
// before storing), its preview in every language as GET /v1/surveys/{id}
// would render it once published (the nil UUID as its id, revision 1), and the warnings
// (surveys.Warnings, then extra: the caller's own, translated, for example
// an import's about the workbook's cells). Nothing is stored and nothing is
// audited.
func (s *Server) dryRun(c *fiber.Ctx, def *surveys.Definition, extra []warningView) error {
	if err := def.Validate(); err != nil {
		return err
	}
	return s.dryRunOf(c, noSurveyYet, 1, def, extra)
}

// noSurveyYet is the id in the preview of a survey not created yet: the
// nil UUID (RFC 9562), a well-formed id that no survey ever has.
const noSurveyYet = "00000000-0000-0000-0000-000000000000"

// dryRunOf answers a dry run of a definition already validated as its
// request requires, previewed as revision rev of survey id.
func (s *Server) dryRunOf(c *fiber.Ctx, id string, rev int, def *surveys.Definition, extra []warningView) error {
	ws, err := s.warnings(c, def)
	if err != nil {
		return err
	}
	preview, left := previews(id, rev, def)
	if len(left) > 0 {
		ws = append(ws, surveys.Warning{Pointer: "/languages", Code: warningPreviewLimited,
			Params: map[string]any{"Languages": strings.Join(left, ", ")}})
	}
	return s.sendJSON(c, fiber.StatusOK, dryRunView{DryRun: true, Survey: *def, Preview: preview, Warnings: append(s.warningViews(c, ws), extra...)})
}

// previews renders def in each of its languages, default first, as the
// app's GET /v1/surveys/{id} does (the same function and encoding), until
// maxPreviewBytes; it returns the languages left out.
func previews(id string, rev int, def *surveys.Definition) (map[string]json.RawMessage, []string) {
	out := map[string]json.RawMessage{}
	var left []string
	size := 0
	for _, lang := range def.LanguagesDefaultFirst() {
		if _, done := out[lang]; done || len(left) > 0 {
			if !done {
				left = append(left, lang)
			}
			continue
		}
		body, err := json.Marshal(def.Localize(id, rev, lang, i18n.Direction(lang)))
		if err != nil { // a validated definition always encodes
			left = append(left, lang)
			continue
		}
		if size+len(body) > maxPreviewBytes && len(out) > 0 {
			left = append(left, lang)
			continue
		}
		size += len(body)
		out[lang] = body
	}
	return out, left
}

// warnings computes the domain's warnings for a valid definition of the
// caller's organisation, whose default support resources they compare
// with.
func (s *Server) warnings(c *fiber.Ctx, def *surveys.Definition) ([]surveys.Warning, error) {
	tok, err := caller(c)
	if err != nil {
		return nil, err
	}
	var orgSupport []surveys.SupportResource
	if def.Sensitive { // only a sensitive survey's warnings read them
		org, err := s.store.Org(c.UserContext(), tok.OrgID)
		if err != nil {
			return nil, err
		}
		orgSupport = org.SupportResources
	}
	return surveys.Warnings(def, orgSupport), nil
}

// warningViews translates warnings into the caller's language; an empty
// list is [], not null, so a client can always iterate it.
func (s *Server) warningViews(c *fiber.Ctx, ws []surveys.Warning) []warningView {
	lang := s.lang(c)
	out := make([]warningView, len(ws))
	for i, w := range ws {
		out[i] = warningView{
			Pointer: w.Pointer, Code: w.Code, Params: w.Params,
			Message: s.catalog.Message(lang, "warning."+w.Code, w.Params),
		}
	}
	return out
}
