package console

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/store"
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
	if err != nil || n < 1 || n > surveys.MaxAccessCodes {
		v.Problem = c.cat.Message(lang, "field.out_of_range", map[string]any{"Min": 1, "Max": surveys.MaxAccessCodes})
		return c.renderCodes(ctx, fiber.StatusUnprocessableEntity, v)
	}
	if v.Off {
		return c.renderCodes(ctx, fiber.StatusConflict, v)
	}
	if v.Ended {
		return c.renderCodes(ctx, fiber.StatusConflict, v)
	}
	codes := make([]string, n)
	keys := make([]string, n)
	for i := range codes {
		codes[i] = surveys.NewAccessCode()
		keys[i] = surveys.AccessCodeKey(c.app.HashKey(), sv.ID, codes[i])
	}
	var limit *store.CodeLimitError
	switch err := c.store.AddAccessCodes(ctx.UserContext(), sv.ID, keys, surveys.MaxAccessCodesPerSurvey); {
	case errors.As(err, &limit):
		v.Problem = c.cat.Message(lang, "field.access_code_limit", map[string]any{"Max": surveys.MaxAccessCodesPerSurvey, "Left": limit.Left})
		return c.renderCodes(ctx, fiber.StatusUnprocessableEntity, v)
	case err != nil:
		return err
	}
	v.Codes = codes
	return c.renderCodes(ctx, fiber.StatusOK, v)
}
