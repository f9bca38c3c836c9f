package console

import (
	"errors"
	"slices"

	"github.com/youthvoice/youthvoice/export"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/surveys"
)

// maxListed bounds the surveys a home page lists (own and shared each):
// an organisation has tens; more is a mistake worth seeing, not a reason
// to read without end.
const maxListed = 500

// homeView is the home page's data.
type homeView struct {
	OrgName string
	Own     bool // the organisation has surveys of its own (an organiser)
	States  []stateGroup
	Shared  []sharedRow
	Formats []string
	More    bool // lists were cut at maxListed
}

type stateGroup struct {
	State   surveys.Status
	Surveys []surveyRow
}

type surveyRow struct {
	ID, Title string
	Languages []string
	Revision  int
}

// sharedRow is a survey another organisation shares with this one: what
// a ministry sees (state, release status, downloads) and nothing else.
type sharedRow struct {
	ID, Title, Owner string
	State            surveys.Status
	// Status says in words what the release holds (export.StatusNotes:
	// collected rounded as the release shows it, released, held back).
	Status    []string
	Day       string
	Final     bool
	Languages []string
}

// home is GET /console/: an organiser's surveys by state, and the
// surveys shared with the organisation (for a ministry, only these).
func (c *Console) home(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	rctx := ctx.UserContext()
	org, err := c.store.Org(rctx, w.tok.OrgID)
	if err != nil {
		return err
	}
	v := homeView{OrgName: org.Name, Formats: app.SummaryFormats}
	own, err := c.store.Surveys(rctx, w.tok.OrgID)
	if err != nil {
		return err
	}
	if len(own) > maxListed {
		own, v.More = own[:maxListed], true
	}
	now := c.now()
	v.Own = len(own) > 0
	for _, st := range []surveys.Status{surveys.Draft, surveys.Open, surveys.Closed, surveys.Archived} {
		g := stateGroup{State: st}
		for _, sv := range own {
			if sv.StatusAt(now) == st {
				d := &sv.Draft
				g.Surveys = append(g.Surveys, surveyRow{ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), Languages: d.Languages, Revision: sv.Revision})
			}
		}
		v.States = append(v.States, g)
	}
	if v.Shared, err = c.sharedRows(ctx, w, &v.More); err != nil {
		return err
	}
	lang := c.lang(ctx)
	return c.render(ctx, fiber.StatusOK, "home", &page{Title: c.cat.Message(lang, "console.home.title", nil), Data: v})
}

// sharedRows lists the surveys shared with the caller's organisation, as
// GET /v1/org/shared does: a survey or organisation deleted since is left
// out; a failure to read one fails the page rather than hide a share.
func (c *Console) sharedRows(ctx *fiber.Ctx, w *who, more *bool) ([]sharedRow, error) {
	rctx := ctx.UserContext()
	shares, err := c.store.Shares(rctx, "", w.tok.OrgID)
	if err != nil {
		return nil, err
	}
	if len(shares) > maxListed {
		shares, *more = shares[:maxListed], true
	}
	now := c.now()
	var out []sharedRow
	for _, sh := range shares {
		sv, err := c.store.PublicSurvey(rctx, sh.SurveyID)
		if errors.Is(err, surveys.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		owner, err := c.store.Org(rctx, sh.OwnerOrg)
		if err != nil && !errors.Is(err, surveys.ErrNotFound) {
			return nil, err
		}
		// The release as an analyst sees it (app.Release: disclosure
		// control applied), never the live tally.
		rel, err := c.app.Release(rctx, sv, nil)
		if err != nil {
			return nil, err
		}
		d := &sv.Draft
		out = append(out, sharedRow{
			ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), Owner: owner.Name, State: sv.StatusAt(now),
			Status: c.releaseNotes(ctx, rel), Day: rel.Day, Final: rel.Final,
			Languages: slices.Clone(d.Languages),
		})
	}
	return out, nil
}

// releaseNotes says in the person's language what a release holds, as the
// API's summary and the exports' method note say it.
func (c *Console) releaseNotes(ctx *fiber.Ctx, rel export.Release) []string {
	lang := c.lang(ctx)
	notAnswered := c.cat.Message(lang, "text.not_answered", nil)
	st := rel.Protected.Status(rel.Collected, rel.Final, rel.Def.DefaultLanguage, notAnswered)
	return export.StatusNotes(st, rel.N == 0 || rel.Day == "", lang, c.cat)
}
