package console

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// orgView is the organisation page's data.
type orgView struct {
	ID, Name string
	Created  when
	Value    string // the name in the form: the current one, or the refused one
	Renamed  bool
	Form     *form
}

// orgPage is GET /console/org: the organisation's id (which another
// organisation needs to share a survey with this one), name and age, and
// the form to rename it. Owners only, as PATCH /v1/org.
func (c *Console) orgPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	org, err := c.store.Org(ctx.UserContext(), w.tok.OrgID)
	if err != nil {
		return err
	}
	v := &orgView{ID: org.ID, Name: org.Name, Created: whenOf(org.CreatedAt, minuteLayout), Value: org.Name, Renamed: ctx.Query("renamed") == "1"}
	return c.renderOrg(ctx, fiber.StatusOK, v)
}

func (c *Console) renderOrg(ctx *fiber.Ctx, status int, v *orgView) error {
	lang := c.lang(ctx)
	return c.render(ctx, status, "owner_org", &page{Title: c.cat.Message(lang, "console.org.title", nil), Data: v})
}

// renameOrg is POST /console/org: the rename through app.RenameOrg, the
// workflow of PATCH /v1/org (checked, stored, audited). A refused name
// shows the form again with the problem next to the field.
func (c *Console) renameOrg(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	name := ctx.FormValue("name")
	_, err = c.app.RenameOrg(ctx.UserContext(), w.tok.OrgID, w.tok.ID, name)
	var ve *surveys.ValidationError
	if errors.As(err, &ve) {
		org, rerr := c.store.Org(ctx.UserContext(), w.tok.OrgID)
		if rerr != nil {
			return rerr
		}
		v := &orgView{ID: org.ID, Name: org.Name, Created: whenOf(org.CreatedAt, minuteLayout), Value: name, Form: &form{}}
		c.addAll(v.Form, c.lang(ctx), ve.Errors, func(string) string { return "name" })
		return c.renderOrg(ctx, fiber.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"org?renamed=1", fiber.StatusSeeOther)
}
