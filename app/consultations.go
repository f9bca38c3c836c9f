package app

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/markdown"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// The consultations' workflows: create, update and move through the
// states, each checked (the definition by the domain, its information
// pages by the Markdown renderer, its surveys against the store), saved
// with the version check and audited. The audit entry's action is
// "consultation_" and the step (create, update, open, analysing,
// decided, closed); its detail is the consultation's id (the entry's
// survey_id stays empty: it names surveys only).

// Audit actions of consultations.
const (
	AuditConsultationCreate = "consultation_create"
	AuditConsultationUpdate = "consultation_update"
	// A state change is audited as "consultation_" + the new state.
	auditConsultationState = "consultation_"
)

// CreateConsultation stores a new draft consultation of actor's
// organisation, after checking it: a *surveys.ValidationError names every
// problem, a linked survey of another organisation (or none) included.
func (a *App) CreateConsultation(ctx context.Context, actor surveys.Token, def surveys.ConsultationDefinition) (*surveys.Consultation, error) {
	if err := def.Validate(); err != nil {
		return nil, err
	}
	if err := a.checkConsultation(ctx, actor.OrgID, &def, false); err != nil {
		return nil, err
	}
	now := a.now().UTC()
	c := &surveys.Consultation{ID: uuid.NewString(), OrgID: actor.OrgID, State: surveys.ConsultationDraft, Definition: def, CreatedAt: now, UpdatedAt: now}
	if err := a.store.CreateConsultation(ctx, c); err != nil {
		return nil, err
	}
	return c, a.auditConsultation(ctx, actor, AuditConsultationCreate, c)
}

// UpdateConsultation replaces c's definition (the domain decides what its
// state allows), checks it as CreateConsultation does, and saves it
// against the version c was read at: a concurrent change is
// surveys.ErrConflict. A public consultation's update is news for the
// app's updates feed (surveys.Consultation.Update).
func (a *App) UpdateConsultation(ctx context.Context, actor surveys.Token, c *surveys.Consultation, def surveys.ConsultationDefinition) error {
	// The domain's rules first (the same as Update's), then the checks
	// that need the store: a refused update leaves c as it was.
	var err error
	switch c.State {
	case surveys.ConsultationClosed:
		err = surveys.ErrConsultationNotEditable
	case surveys.ConsultationDraft:
		err = def.Validate()
	default:
		err = def.Complete()
	}
	if err != nil {
		return err
	}
	if err := a.checkConsultation(ctx, actor.OrgID, &def, c.State != surveys.ConsultationDraft); err != nil {
		return err
	}
	if err := c.Update(def, a.now().UTC()); err != nil {
		return err
	}
	if err := a.store.SaveConsultation(ctx, c); err != nil {
		return err
	}
	return a.auditConsultation(ctx, actor, AuditConsultationUpdate, c)
}

// MoveConsultation changes c's state to target (the domain decides
// whether it may), saves it against the version read, and audits it.
// Publishing (draft to open) also requires every linked survey to be
// published: young people must be able to take part.
func (a *App) MoveConsultation(ctx context.Context, actor surveys.Token, c *surveys.Consultation, target surveys.ConsultationState) error {
	if target == surveys.ConsultationOpen && surveys.CanMove(c.State, target) {
		if err := c.Definition.Complete(); err != nil {
			return err
		}
		if err := a.checkConsultation(ctx, actor.OrgID, &c.Definition, true); err != nil {
			return err
		}
	}
	if err := c.Move(target, a.now().UTC()); err != nil {
		return err
	}
	if err := a.store.SaveConsultation(ctx, c); err != nil {
		return err
	}
	return a.auditConsultation(ctx, actor, auditConsultationState+string(target), c)
}

// checkConsultation checks what the domain cannot: every information page
// renders (markdown.Check: its quotes and lists are not nested too deep,
// and it has at most markdown.MaxLinks links),
// and every linked survey is one of the organisation's (published, when
// published is set). Every problem is reported with its pointer.
func (a *App) checkConsultation(ctx context.Context, orgID string, def *surveys.ConsultationDefinition, published bool) error {
	var bad []surveys.FieldError
	def.MarkdownTexts(func(ptr, md string) {
		switch err := markdown.Check(md); {
		case errors.Is(err, markdown.ErrTooManyLinks):
			bad = append(bad, surveys.FieldError{Pointer: ptr, Code: surveys.CodeMarkdownLinks, Params: map[string]any{"Max": markdown.MaxLinks}})
		case err != nil:
			bad = append(bad, surveys.FieldError{Pointer: ptr, Code: surveys.CodeMarkdownNesting, Params: map[string]any{"Max": markdown.MaxNesting}})
		}
	})
	// At most MaxConsultationSurveys reads, each by _id.
	for i, id := range def.Surveys {
		if i >= surveys.MaxConsultationSurveys {
			break
		}
		sv, err := a.store.Survey(ctx, orgID, id)
		switch {
		case errors.Is(err, surveys.ErrNotFound):
			bad = append(bad, surveys.FieldError{Pointer: surveys.Pointer("surveys", i), Code: surveys.CodeUnknownSurvey})
		case err != nil:
			return err
		case published && sv.Status == surveys.Draft:
			bad = append(bad, surveys.FieldError{Pointer: surveys.Pointer("surveys", i), Code: surveys.CodeSurveyNotPublished})
		}
	}
	pb, err := a.checkParticipation(ctx, orgID, def) // outcomes.go
	if err != nil {
		return err
	}
	if bad = append(bad, pb...); len(bad) > 0 {
		return &surveys.ValidationError{Errors: bad}
	}
	return nil
}

func (a *App) auditConsultation(ctx context.Context, actor surveys.Token, action string, c *surveys.Consultation) error {
	return a.store.Audit(ctx, store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: action, Detail: c.ID, At: a.now()})
}
