package console

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/surveys"
)

// codesView is the access codes page: the form for how many, and after
// issuing, the codes to print, shown this once (only their keyed hashes
// are kept, as the API keeps them).
type codesView struct {
	ID, Title string
	TitleLang string
	Max       int
	Count     string
	Problem   string // why the count was refused
	Codes     []string
	Off       bool // the survey does not use access codes
	Ended     bool // closed or archived: no more codes
}

// codesPage is GET /console/surveys/{id}/codes: the form to issue codes
// (owners and editors, as POST /v1/org/surveys/{id}/access-codes).
func (c *Console) codesPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	v := c.codesOf(sv)
	v.Count = "30"
	return c.renderCodes(ctx, fiber.StatusOK, v)
}

func (c *Console) codesOf(sv *surveys.Survey) *codesView {
	def := &sv.Draft
	st := sv.StatusAt(c.now())
	return &codesView{ID: sv.ID, Title: def.Title.In(def.DefaultLanguage, def.DefaultLanguage), TitleLang: def.DefaultLanguage,
		Max: surveys.MaxAccessCodes, Off: !def.AccessCodes, Ended: st == surveys.Closed || st == surveys.Archived}
}

func (c *Console) renderCodes(ctx *fiber.Ctx, status int, v *codesView) error {
	lang := c.lang(ctx)
	name := "author_codes"
	if len(v.Codes) > 0 {
		name = "author_codes_print"
	}
	return c.render(ctx, status, name, &page{Title: c.cat.Message(lang, "console.codes.title", nil), Data: v})
}

// issueCodes is POST /console/surveys/{id}/codes: count new access codes,
// made and stored as the API makes them (surveys.NewAccessCode, their
// keyed hashes in store.AddAccessCodes within the survey's limit), then a
// printable page of the codes, shown once. The API does not audit codes,
// and neither does this page; no code is logged.
func (c *Console) issueCodes(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	v := c.codesOf(sv)
	v.Count = ctx.FormValue("count")
	lang := c.lang(ctx)
	n, err := strconv.Atoi(strings.TrimSpace(v.Count))
	if err != nil {
		n = 0 // not a number: refused as out of range, as the API would
	}
	// The workflow the API runs (app.IssueAccessCodes); its refusals in
	// this page's words.
	codes, err := c.app.IssueAccessCodes(ctx.UserContext(), sv, n, surveys.MaxAccessCodesPerSurvey)
	var ve *surveys.ValidationError
	switch {
	case errors.As(err, &ve) && len(ve.Errors) > 0:
		v.Problem = c.cat.Message(lang, "field."+string(ve.Errors[0].Code), ve.Errors[0].Params)
		return c.renderCodes(ctx, fiber.StatusUnprocessableEntity, v)
	case errors.Is(err, app.ErrAccessCodesOff):
		v.Off = true
		return c.renderCodes(ctx, fiber.StatusConflict, v)
	case errors.Is(err, surveys.ErrNotEditable):
		v.Ended = true
		return c.renderCodes(ctx, fiber.StatusConflict, v)
	case err != nil:
		return err
	}
	v.Codes = codes
	return c.renderCodes(ctx, fiber.StatusOK, v)
}
