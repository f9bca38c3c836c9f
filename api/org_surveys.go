package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/surveys"
)

// surveyView is a survey as organisers see it.
type surveyView struct {
	ID          string             `json:"id"`
	Status      surveys.Status     `json:"status"`
	Revision    int                `json:"revision"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	ClosedAt    *time.Time         `json:"closed_at,omitempty"`
	Definition  surveys.Definition `json:"definition"`
}

// surveyWarned is a survey as organisers see it with the warnings about
// its definition (create, update, publish, and GET of a draft).
type surveyWarned struct {
	surveyView
	Warnings []warningView `json:"warnings"`
}

// warnedView is sv's view with its definition's warnings.
func (s *Server) warnedView(c *fiber.Ctx, sv *surveys.Survey, now time.Time) (surveyWarned, error) {
	ws, err := s.warnings(c, &sv.Draft)
	if err != nil {
		return surveyWarned{}, err
	}
	return surveyWarned{surveyView: viewOf(sv, now), Warnings: s.warningViews(c, ws)}, nil
}

func viewOf(sv *surveys.Survey, now time.Time) surveyView {
	return surveyView{
		ID: sv.ID, Status: sv.StatusAt(now), Revision: sv.Revision, CreatedAt: sv.CreatedAt, UpdatedAt: sv.UpdatedAt,
		PublishedAt: sv.PublishedAt, ClosedAt: sv.ClosedAt, Definition: sv.Draft,
	}
}

// surveyListItem is one line of an organisation's survey list.
type surveyListItem struct {
	ID        string         `json:"id"`
	Status    surveys.Status `json:"status"`
	Revision  int            `json:"revision"`
	Title     string         `json:"title"`
	Languages []string       `json:"languages"`
	UpdatedAt time.Time      `json:"updated_at"`
}

func (s *Server) createSurvey(c *fiber.Ctx) error {
	tok, err := caller(c, designers...)
	if err != nil {
		return err
	}
	dry, err := dryRunQuery(c)
	if err != nil {
		return err
	}
	var def surveys.Definition
	if err := decodeJSON(c, &def); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.defaultSupport(c, tok.OrgID, &def); err != nil {
		return err
	}
	if dry {
		return s.dryRun(c, &def, nil)
	}
	if err := def.Validate(); err != nil {
		return err
	}
	now := s.now().UTC()
	sv := &surveys.Survey{ID: uuid.NewString(), OrgID: tok.OrgID, Status: surveys.Draft, Draft: def, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateSurvey(ctx, sv); err != nil {
		return err
	}
	view, err := s.warnedView(c, sv, now)
	if err != nil {
		return err
	}
	c.Location("/v1/org/surveys/" + sv.ID)
	return s.sendJSON(c, fiber.StatusCreated, view)
}

// defaultSupport gives a definition without support resources its
// organisation's defaults (for the survey's languages).
func (s *Server) defaultSupport(c *fiber.Ctx, orgID string, def *surveys.Definition) error {
	if len(def.SupportResources) > 0 {
		return nil
	}
	org, err := s.store.Org(c.UserContext(), orgID)
	if err != nil {
		return err
	}
	def.SupportResources = surveys.DefaultSupport(org.SupportResources, def.Languages)
	return nil
}

func (s *Server) listSurveys(c *fiber.Ctx) error {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	list, err := s.store.Surveys(c.UserContext(), tok.OrgID)
	if err != nil {
		return err
	}
	now := s.now()
	items := make([]surveyListItem, len(list))
	for i, sv := range list {
		items[i] = surveyListItem{
			ID: sv.ID, Status: sv.StatusAt(now), Revision: sv.Revision, Title: sv.Draft.Title.In(sv.Draft.DefaultLanguage, sv.Draft.DefaultLanguage),
			Languages: sv.Draft.Languages, UpdatedAt: sv.UpdatedAt,
		}
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"surveys": items})
}

// orgSurvey reads the survey named in the path, if it is the caller's.
func (s *Server) orgSurvey(c *fiber.Ctx, roles ...surveys.Role) (*surveys.Survey, error) {
	tok, err := caller(c, roles...)
	if err != nil {
		return nil, err
	}
	return s.store.Survey(c.UserContext(), tok.OrgID, c.Params("id"))
}

func (s *Server) getSurvey(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, anyRole...)
	if err != nil {
		return err
	}
	now := s.now()
	if sv.StatusAt(now) != surveys.Draft {
		// Published: its warnings came with the publish and each update.
		return s.sendJSON(c, fiber.StatusOK, viewOf(sv, now))
	}
	view, err := s.warnedView(c, sv, now)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, view)
}

func (s *Server) updateSurvey(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, designers...)
	if err != nil {
		return err
	}
	dry, err := dryRunQuery(c)
	if err != nil {
		return err
	}
	var def surveys.Definition
	if err := decodeJSON(c, &def); err != nil {
		return err
	}
	if err := s.defaultSupport(c, sv.OrgID, &def); err != nil {
		return err
	}
	now := s.now().UTC()
	if dry {
		// The same checks on a copy: an open survey's update must be
		// complete, a closed one's is refused; the copy is not saved.
		probe := *sv
		if _, err := probe.Update(def, now); err != nil {
			return err
		}
		return s.dryRunOf(c, sv.ID, max(probe.Revision, 1), &probe.Draft, nil)
	}
	rev, err := sv.Update(def, now)
	if err != nil {
		return err
	}
	if err := s.store.SaveSurvey(c.UserContext(), sv, rev); err != nil {
		return err
	}
	s.cache.forget(sv.ID)
	view, err := s.warnedView(c, sv, now)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, view)
}

func (s *Server) deleteSurvey(c *fiber.Ctx) error {
	tok, err := caller(c, designers...)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDraft(c.UserContext(), tok.OrgID, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// lifecycle runs one lifecycle step (publish, close, archive) on the
// caller's survey: the workflow is the application layer's (ChangeState).
func (s *Server) lifecycle(t app.Transition) fiber.Handler {
	return func(c *fiber.Ctx) error {
		sv, err := s.orgSurvey(c, designers...)
		if err != nil {
			return err
		}
		tok, _ := caller(c)
		err = s.workflows.ChangeState(c.UserContext(), tok, sv, t)
		// Forgotten even after a failure: the save may have happened.
		s.cache.forget(sv.ID)
		if err != nil {
			return err
		}
		if t != app.Publish {
			return s.sendJSON(c, fiber.StatusOK, viewOf(sv, s.now().UTC()))
		}
		// Published: what the organiser should still know (untranslated
		// texts cannot remain; the others can).
		view, err := s.warnedView(c, sv, s.now().UTC())
		if err != nil {
			return err
		}
		return s.sendJSON(c, fiber.StatusOK, view)
	}
}

func (s *Server) getRevision(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, anyRole...)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return surveys.ErrNotFound
	}
	rev, err := s.store.Revision(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{
		"survey_id": sv.ID, "revision": rev.Number, "published_at": rev.PublishedAt, "definition": rev.Definition,
	})
}

// lifecycleProblem explains lifecycle errors; toProblem calls it.
func lifecycleProblem(err error) *problemError {
	switch {
	case errors.Is(err, surveys.ErrNotDraft):
		return newProblem(fiber.StatusConflict, "not_draft")
	case errors.Is(err, surveys.ErrNotOpen):
		return newProblem(fiber.StatusConflict, "not_open")
	case errors.Is(err, surveys.ErrNotClosed):
		return newProblem(fiber.StatusConflict, "not_closed")
	case errors.Is(err, surveys.ErrNotEditable):
		return newProblem(fiber.StatusConflict, "not_editable")
	case errors.Is(err, surveys.ErrAlreadyClosed):
		return newProblem(fiber.StatusConflict, "window_over")
	case errors.Is(err, surveys.ErrForbidden):
		return newProblem(fiber.StatusForbidden, "forbidden")
	case errors.Is(err, surveys.ErrUnauthorized):
		return newProblem(fiber.StatusUnauthorized, "unauthorized")
	}
	return nil
}
