package console

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// auditPageSize is how many entries a page of the audit log shows (the
// API's default page).
const auditPageSize = 50

// auditView is the audit log page's data.
type auditView struct {
	Entries []auditRow
	Older   string // the next page's query (?before=&after=), "" at the end
	Paged   bool   // this is not the newest page
}

// auditRow is one entry in words: when, who (the token's name and role,
// or the command line), what, on which survey, and the detail.
type auditRow struct {
	At                 when
	Who, Action        string
	SurveyID, Survey   string
	SurveyLang, Detail string
}

// auditLog is GET /console/audit (owners, as GET /v1/org/audit): the
// organisation's audit log, newest first, a page at a time, with the
// API's cursors: ?before= (the last entry's time) and ?after= (its id).
func (c *Console) auditLog(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	var before time.Time
	if b := ctx.Query("before"); b != "" {
		if before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			return errBadQuery
		}
	}
	rctx := ctx.UserContext()
	entries, err := c.store.AuditLog(rctx, w.tok.OrgID, before, ctx.Query("after"), auditPageSize)
	if err != nil {
		return err
	}
	v := auditView{Paged: !before.IsZero()}
	if len(entries) == auditPageSize {
		last := entries[len(entries)-1]
		v.Older = "?" + url.Values{"before": {last.At.Format(time.RFC3339Nano)}, "after": {last.ID}}.Encode()
	}
	if v.Entries, err = c.auditRows(ctx, w, entries); err != nil {
		return err
	}
	lang := c.lang(ctx)
	p := &page{Title: c.cat.Message(lang, "console.audit.title", nil), Data: v}
	p.Keep = keep(ctx, "before", "after")
	return c.render(ctx, fiber.StatusOK, "owner_audit", p)
}

// auditRows puts entries in words in the page's language. Names are read
// once a page: the organisation's tokens (one list), each survey and each
// organisation named (at most one read each per entry of the page).
func (c *Console) auditRows(ctx *fiber.Ctx, w *who, entries []store.AuditEntry) ([]auditRow, error) {
	rctx := ctx.UserContext()
	lang := c.lang(ctx)
	toks, err := c.store.Tokens(rctx, w.tok.OrgID)
	if err != nil {
		return nil, err
	}
	tokens := make(map[string]surveys.Token, len(toks))
	for _, t := range toks {
		tokens[t.ID] = t
	}
	titles := map[string][2]string{}
	orgs := map[string]string{}
	out := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		row := auditRow{At: whenOf(e.At, secondLayout), Who: c.auditWho(lang, tokens, e.TokenID),
			Action: c.auditAction(lang, e.Action), SurveyID: e.SurveyID, Detail: e.Detail}
		if e.SurveyID != "" {
			t, ok := titles[e.SurveyID]
			if !ok {
				if t, err = c.surveyTitle(ctx, w, e.SurveyID); err != nil {
					return nil, err
				}
				titles[e.SurveyID] = t
			}
			row.Survey, row.SurveyLang = t[0], t[1]
		}
		switch e.Action {
		case "share", "unshare":
			name, ok := orgs[e.Detail]
			if !ok {
				org, err := c.store.Org(rctx, e.Detail)
				if err != nil && !errors.Is(err, surveys.ErrNotFound) {
					return nil, err
				}
				name, orgs[e.Detail] = org.Name, org.Name
			}
			if name != "" {
				row.Detail = c.cat.Message(lang, "console.audit.detail.org", map[string]any{"Name": name, "ID": e.Detail})
			}
		case "token_create", "token_revoke":
			id, _, _ := strings.Cut(e.Detail, " ")
			if t, ok := tokens[id]; ok {
				row.Detail = c.tokenWords(lang, t)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// surveyTitle is a survey's title (and its language) for the log, or
// empty when the survey is gone. A survey of another organisation (a
// shared survey a ministry exported) is read only if it is still shared.
func (c *Console) surveyTitle(ctx *fiber.Ctx, w *who, id string) ([2]string, error) {
	rctx := ctx.UserContext()
	sv, err := c.store.Survey(rctx, w.tok.OrgID, id)
	if errors.Is(err, surveys.ErrNotFound) {
		shared, serr := c.store.SharedWith(rctx, id, w.tok.OrgID)
		if serr != nil {
			return [2]string{}, serr
		}
		if !shared {
			return [2]string{}, nil
		}
		sv, err = c.store.PublicSurvey(rctx, id)
	}
	if errors.Is(err, surveys.ErrNotFound) {
		return [2]string{}, nil
	}
	if err != nil {
		return [2]string{}, err
	}
	d := &sv.Draft
	return [2]string{d.Title.In(d.DefaultLanguage, d.DefaultLanguage), d.DefaultLanguage}, nil
}

// auditWho names the token of an entry: its name and role, or the
// command line ("cli"), or its id when it is not the organisation's.
func (c *Console) auditWho(lang string, tokens map[string]surveys.Token, id string) string {
	if id == "cli" {
		return c.cat.Message(lang, "console.audit.cli", nil)
	}
	if t, ok := tokens[id]; ok {
		return c.tokenWords(lang, t)
	}
	return id
}

// tokenWords names a token: its name (or its id's start) and its role.
func (c *Console) tokenWords(lang string, t surveys.Token) string {
	name := t.Name
	if name == "" {
		name = t.ID
		if len(name) > 8 {
			name = name[:8]
		}
	}
	return c.cat.Message(lang, "console.audit.token", map[string]any{"Name": name, "Role": c.cat.Message(lang, fmt.Sprintf("console.tokens.role.%s", t.Role), nil)})
}

// auditAction is an action in words: console.audit.action.<action>, or
// the action as written for one this version has no words for.
func (c *Console) auditAction(lang, action string) string {
	id := fmt.Sprintf("console.audit.action.%s", action)
	if c.cat.Has(lang, id) {
		return c.cat.Message(lang, id, nil)
	}
	return action
}
