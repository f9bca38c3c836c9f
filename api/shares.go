package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// summarySurvey finds a survey whose summaries the caller may read: one of
// its organisation's, or one shared with it. Anything else is a 404.
func (s *Server) summarySurvey(c *fiber.Ctx) (*surveys.Survey, surveys.Token, bool, error) {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return nil, tok, false, err
	}
	sv, shared, err := s.workflows.ReadableSurvey(c.UserContext(), tok, c.Params("id"))
	return sv, tok, shared, err
}

// audit records an action of the caller.
func (s *Server) audit(c *fiber.Ctx, tok surveys.Token, action, surveyID, detail string) error {
	return s.store.Audit(c.UserContext(), store.AuditEntry{OrgID: tok.OrgID, TokenID: tok.ID, Action: action, SurveyID: surveyID, Detail: detail, At: s.now()})
}

// addShare is POST /v1/org/surveys/{id}/shares {org_id}: owners share a
// survey's summaries with another organisation (app.Share: checked,
// stored, audited).
func (s *Server) addShare(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, owners...)
	if err != nil {
		return err
	}
	tok, _ := caller(c)
	var req struct {
		OrgID string `json:"org_id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	org, err := s.workflows.Share(c.UserContext(), tok, sv, req.OrgID, "/org_id")
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusCreated, fiber.Map{"survey_id": sv.ID, "org_id": org.ID, "org_name": org.Name})
}

// removeShare is DELETE /v1/org/surveys/{id}/shares/{orgID} (app.Unshare).
func (s *Server) removeShare(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, owners...)
	if err != nil {
		return err
	}
	tok, _ := caller(c)
	if err := s.workflows.Unshare(c.UserContext(), tok, sv, c.Params("orgID")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listShares(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, owners...)
	if err != nil {
		return err
	}
	shares, err := s.store.Shares(c.UserContext(), sv.ID, "")
	if err != nil {
		return err
	}
	out := []fiber.Map{}
	for _, sh := range shares {
		out = append(out, fiber.Map{"org_id": sh.SharedWith, "created_at": sh.CreatedAt})
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"shares": out})
}

// sharedWithMe is GET /v1/org/shared: the surveys other organisations
// share with the caller's.
func (s *Server) sharedWithMe(c *fiber.Ctx) error {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	shares, err := s.store.Shares(c.UserContext(), "", tok.OrgID)
	if err != nil {
		return err
	}
	out := []fiber.Map{}
	for _, sh := range shares {
		// A survey or organisation deleted since it was shared is left out;
		// a failure to read one fails the listing (503), rather than
		// answering 200 with a share missing.
		sv, err := s.store.PublicSurvey(c.UserContext(), sh.SurveyID)
		if errors.Is(err, surveys.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		org, err := s.store.Org(c.UserContext(), sh.OwnerOrg)
		if err != nil && !errors.Is(err, surveys.ErrNotFound) {
			return err
		}
		d := &sv.Draft
		out = append(out, fiber.Map{
			"id": sv.ID, "title": d.Title.In(d.DefaultLanguage, d.DefaultLanguage), "status": sv.StatusAt(s.now()),
			"revision": sv.Revision, "languages": d.Languages, "owner_org": org.Name, "shared_at": sh.CreatedAt,
		})
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"surveys": out})
}

// auditLog is GET /v1/org/audit: owners read their organisation's audit
// log, newest first, ?limit= (at most 200); the next page is at
// ?before=&after= as given in next_before and next_after.
func (s *Server) auditLog(c *fiber.Ctx) error {
	tok, err := caller(c, owners...)
	if err != nil {
		return err
	}
	limit := 50
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/limit", Code: surveys.CodeOutOfRange, Params: map[string]any{"Min": 1, "Max": 200}}}}
		}
		limit = n
	}
	var before time.Time
	if b := c.Query("before"); b != "" {
		t, err := time.Parse(time.RFC3339Nano, b)
		if err != nil {
			return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/before", Code: surveys.CodeInvalid}}}
		}
		before = t
	}
	entries, err := s.store.AuditLog(c.UserContext(), tok.OrgID, before, c.Query("after"), limit)
	if err != nil {
		return err
	}
	out := []fiber.Map{}
	for _, e := range entries {
		out = append(out, fiber.Map{"id": e.ID, "at": e.At, "action": e.Action, "token_id": e.TokenID, "survey_id": e.SurveyID, "detail": e.Detail})
	}
	resp := fiber.Map{"entries": out}
	if len(entries) == limit {
		last := entries[len(entries)-1]
		resp["next_before"] = last.At.Format(time.RFC3339Nano)
		resp["next_after"] = last.ID
	}
	return s.sendJSON(c, fiber.StatusOK, resp)
}
