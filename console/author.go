package console

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// The organisers' authoring pages (author_*.go): create a survey from an
// XLSForm, a JSON file or an example; a survey's page with its warnings,
// translations and state; the preview; the translator's files; access
// codes. Owners and editors act (the API's designers); analysts read the
// survey's page, its preview and its translations, as the API lets them
// read the survey, and get a 403 page for every action.

// orgSurvey is the survey named in the path if it is one of the caller's
// organisation's (never a shared one: authoring is the owner's), as the
// API's orgSurvey: another organisation's survey is a 404.
func (c *Console) orgSurvey(ctx *fiber.Ctx, w *who) (*surveys.Survey, error) {
	return c.store.Survey(ctx.UserContext(), w.tok.OrgID, ctx.Params("id"))
}

// canDesign says whether the signed-in person may change surveys.
func canDesign(w *who) bool {
	for _, r := range designers {
		if w.tok.Role == r {
			return true
		}
	}
	return false
}

// problemView is one problem or warning as an authoring page lists it: in
// a spreadsheet at its sheet, row and column (with the cell's text), in a
// JSON definition at a readable place (and the pointer, for those who
// edit JSON), in a translator's file at its row and key.
type problemView struct {
	Sheet, Column, Cell string
	Row                 int
	Place, Pointer, Key string
	Message             string
}

// fieldProblems translates a definition's problems (validation or
// decoding), each at its readable place.
func (c *Console) fieldProblems(lang string, def *surveys.Definition, errs []surveys.FieldError) []problemView {
	out := make([]problemView, 0, len(errs))
	for _, e := range errs {
		out = append(out, problemView{Place: c.place(lang, def, e.Pointer), Pointer: e.Pointer,
			Message: c.cat.Message(lang, "field."+string(e.Code), e.Params)})
	}
	return out
}

// warningProblems translates the domain's warnings (surveys.Warnings), as
// the API's warningViews does, each at its readable place.
func (c *Console) warningProblems(lang string, def *surveys.Definition, ws []surveys.Warning) []problemView {
	out := make([]problemView, 0, len(ws))
	for _, w := range ws {
		out = append(out, problemView{Place: c.place(lang, def, w.Pointer), Pointer: w.Pointer,
			Message: c.cat.Message(lang, "warning."+w.Code, w.Params)})
	}
	return out
}

// maxPlaceTokens bounds the tokens of a pointer a place names (a
// definition's deepest pointer has about a dozen).
const maxPlaceTokens = 32

// place turns a JSON pointer into the definition into words an organiser
// can follow: "/sections/0/questions/2/options/1/label/ar" becomes
// "Section 1 (about) › Question 3 (age) › Option 2 (13) › label › ar".
// Indices count from 1 and name the item's id or code when def (the
// definition the pointer points into, if it was read) has it; field names
// stay as written in the file, where the organiser will look for them.
func (c *Console) place(lang string, def *surveys.Definition, ptr string) string {
	if ptr == "" || ptr == "/" {
		return c.cat.Message(lang, "console.place.document", nil)
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	if len(toks) > maxPlaceTokens {
		toks = toks[:maxPlaceTokens]
	}
	var parts []string
	var section *surveys.Section
	var question *surveys.Question
	for i := 0; i < len(toks); i++ {
		tok := strings.ReplaceAll(strings.ReplaceAll(toks[i], "~1", "/"), "~0", "~")
		n, err := strconv.Atoi(toks[min(i+1, len(toks)-1)])
		if i+1 >= len(toks) || err != nil || n < 0 {
			parts = append(parts, tok)
			continue
		}
		i++ // the index is part of this step
		id := ""
		msg := "console.place.item"
		switch tok {
		case "sections":
			msg = "console.place.section"
			if def != nil && n < len(def.Sections) {
				section = &def.Sections[n]
				id = section.ID
			}
		case "questions":
			msg = "console.place.question"
			if section != nil && n < len(section.Questions) {
				question = &section.Questions[n]
				id = question.ID
			}
		case "options":
			msg = "console.place.option"
			if question != nil && n < len(question.Options) {
				id = question.Options[n].Code
			}
		case "statements":
			msg = "console.place.statement"
			if question != nil && n < len(question.Statements) {
				id = question.Statements[n].Code
			}
		case "support_resources":
			msg = "console.place.support"
		case "languages":
			msg = "console.place.language"
		}
		parts = append(parts, c.cat.Message(lang, msg, map[string]any{"N": n + 1, "Field": tok, "ID": id}))
	}
	return strings.Join(parts, " › ")
}

// forget drops the server's cached copy of a survey the console changed
// (Deps.Forget), so the app sees the change at once.
func (c *Console) forget(id string) {
	if c.drop != nil {
		c.drop(id)
	}
}
