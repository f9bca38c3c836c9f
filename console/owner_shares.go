package console

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// sharesIndexView is the sharing page's data: the organisation's surveys,
// each a way to its shares.
type sharesIndexView struct {
	States []stateGroup
	More   bool
}

// sharesIndex is GET /console/shares (owners): the organisation's
// surveys by state, each linked to the page of its shares.
func (c *Console) sharesIndex(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	own, err := c.store.Surveys(ctx.UserContext(), w.tok.OrgID)
	if err != nil {
		return err
	}
	v := sharesIndexView{}
	if len(own) > maxListed {
		own, v.More = own[:maxListed], true
	}
	now := c.now()
	for _, st := range []surveys.Status{surveys.Draft, surveys.Open, surveys.Closed, surveys.Archived} {
		g := stateGroup{State: st}
		for _, sv := range own {
			if sv.StatusAt(now) == st {
				d := &sv.Draft
				g.Surveys = append(g.Surveys, surveyRow{ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), Languages: d.Languages, Revision: sv.Revision})
			}
		}
		if len(g.Surveys) > 0 {
			v.States = append(v.States, g)
		}
	}
	lang := c.lang(ctx)
	return c.render(ctx, fiber.StatusOK, "owner_shares", &page{Title: c.cat.Message(lang, "console.shares.title", nil), Data: v})
}

// sharesView is the page of one survey's shares.
type sharesView struct {
	ID, Title, TitleLang string
	Shares               []shareRow
	OrgID                string // the form's value after a refusal
	Added, Removed       string // the organisation just added or removed, by name
	Form                 *form
}

// shareRow is an organisation a survey is shared with.
type shareRow struct {
	OrgID, Name string
	Since       when
	Gone        bool // the organisation no longer exists
}

// maxShares bounds the shares a survey's page lists: a survey is shared
// with a few ministries; more is a mistake worth seeing.
const maxShares = 500

// ownSurvey is the path's survey if it is one of the caller's
// organisation's, for an owner (as the API's orgSurvey(c, owners...)):
// any other is a 404.
func (c *Console) ownSurvey(ctx *fiber.Ctx) (*who, *surveys.Survey, error) {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return nil, nil, err
	}
	sv, err := c.store.Survey(ctx.UserContext(), w.tok.OrgID, ctx.Params("id"))
	return w, sv, err
}

// surveyShares is GET /console/surveys/{id}/shares: the organisations
// the survey is shared with, by name, and the form to add one (as GET
// /v1/org/surveys/{id}/shares, owners).
func (c *Console) surveyShares(ctx *fiber.Ctx) error {
	_, sv, err := c.ownSurvey(ctx)
	if err != nil {
		return err
	}
	v := &sharesView{}
	if id := ctx.Query("added"); id != "" {
		v.Added = id
	}
	if id := ctx.Query("removed"); id != "" {
		v.Removed = id
	}
	return c.renderShares(ctx, sv, fiber.StatusOK, v)
}

func (c *Console) renderShares(ctx *fiber.Ctx, sv *surveys.Survey, status int, v *sharesView) error {
	rctx := ctx.UserContext()
	d := &sv.Draft
	v.ID, v.Title, v.TitleLang = sv.ID, d.Title.In(d.DefaultLanguage, d.DefaultLanguage), d.DefaultLanguage
	shares, err := c.store.Shares(rctx, sv.ID, "")
	if err != nil {
		return err
	}
	if len(shares) > maxShares {
		shares = shares[:maxShares]
	}
	added, removed := v.Added, v.Removed
	v.Added, v.Removed = "", ""
	for _, sh := range shares {
		org, err := c.store.Org(rctx, sh.SharedWith)
		if err != nil && !errors.Is(err, surveys.ErrNotFound) {
			return err
		}
		row := shareRow{OrgID: sh.SharedWith, Name: org.Name, Since: whenOf(sh.CreatedAt, minuteLayout), Gone: err != nil}
		if row.OrgID == added {
			v.Added = row.Name
		}
		v.Shares = append(v.Shares, row)
	}
	if removed != "" {
		// Gone from the list: its name is read once more for the notice.
		org, err := c.store.Org(rctx, removed)
		if err != nil && !errors.Is(err, surveys.ErrNotFound) {
			return err
		}
		v.Removed = org.Name
	}
	lang := c.lang(ctx)
	p := &page{Title: c.cat.Message(lang, "console.shares.survey.title", map[string]any{"Survey": v.Title}), Data: v}
	return c.render(ctx, status, "owner_survey_shares", p)
}

// addShare is POST /console/surveys/{id}/shares: app.Share, the workflow
// of POST /v1/org/surveys/{id}/shares (checked, stored, audited). A
// refused organisation id shows the form again with the problem next to
// the field.
func (c *Console) addShare(ctx *fiber.Ctx) error {
	w, sv, err := c.ownSurvey(ctx)
	if err != nil {
		return err
	}
	orgID := ctx.FormValue("org_id")
	org, err := c.app.Share(ctx.UserContext(), w.tok, sv, orgID, "org_id")
	var ve *surveys.ValidationError
	if errors.As(err, &ve) {
		v := &sharesView{OrgID: orgID, Form: &form{}}
		c.addAll(v.Form, c.lang(ctx), ve.Errors, func(p string) string { return p })
		return c.renderShares(ctx, sv, fiber.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"surveys/"+sv.ID+"/shares?added="+url.QueryEscape(org.ID), fiber.StatusSeeOther)
}

// unshareView is the confirmation page of removing a share.
type unshareView struct {
	ID, Title, TitleLang string
	Share                shareRow
}

// shareOf is the share of the path's survey with the path's organisation,
// or a 404.
func (c *Console) shareOf(ctx *fiber.Ctx) (*who, *surveys.Survey, string, error) {
	w, sv, err := c.ownSurvey(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	orgID := ctx.Params("orgID")
	ok, err := c.store.SharedWith(ctx.UserContext(), sv.ID, orgID)
	if err == nil && !ok {
		err = surveys.ErrNotFound
	}
	return w, sv, orgID, err
}

// confirmUnshare is GET /console/surveys/{id}/shares/{org}/remove: what
// removing the share means, and the button that does it.
func (c *Console) confirmUnshare(ctx *fiber.Ctx) error {
	_, sv, orgID, err := c.shareOf(ctx)
	if err != nil {
		return err
	}
	org, err := c.store.Org(ctx.UserContext(), orgID)
	if err != nil && !errors.Is(err, surveys.ErrNotFound) {
		return err
	}
	d := &sv.Draft
	v := unshareView{ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), TitleLang: d.DefaultLanguage,
		Share: shareRow{OrgID: orgID, Name: org.Name, Gone: err != nil}}
	lang := c.lang(ctx)
	return c.render(ctx, fiber.StatusOK, "owner_share_remove", &page{Title: c.cat.Message(lang, "console.shares.remove.title", nil), Data: v})
}

// removeShare is POST /console/surveys/{id}/shares/{org}/remove:
// app.Unshare, the workflow of DELETE /v1/org/surveys/{id}/shares/{org}
// (the organisation loses access at its next request; audited).
func (c *Console) removeShare(ctx *fiber.Ctx) error {
	w, sv, orgID, err := c.shareOf(ctx)
	if err != nil {
		return err
	}
	if err := c.app.Unshare(ctx.UserContext(), w.tok, sv, orgID); err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"surveys/"+sv.ID+"/shares?removed="+url.QueryEscape(orgID), fiber.StatusSeeOther)
}
