package app

import (
	"context"
	"errors"

	"github.com/youthvoice/youthvoice/surveys"
)

// Who may read what another organisation made: the rules of the summary
// and its exports (a survey) and of a consultation, written once for the
// API, the console and the comparisons of waves.

// ReadableSurvey is survey id if actor may read its summaries: one of its
// organisation's (any role), or, shared says so, one shared with its
// organisation (the rule of the summary and its exports). Anything else
// is surveys.ErrNotFound, so that another organisation's survey cannot be
// told from none.
func (a *App) ReadableSurvey(ctx context.Context, actor surveys.Token, id string) (sv *surveys.Survey, shared bool, err error) {
	sv, err = a.store.Survey(ctx, actor.OrgID, id)
	if err == nil || !errors.Is(err, surveys.ErrNotFound) {
		return sv, false, err
	}
	ok, err := a.store.SharedWith(ctx, id, actor.OrgID)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, surveys.ErrNotFound
	}
	sv, err = a.store.PublicSurvey(ctx, id)
	return sv, true, err
}

// ReadableConsultation is consultation id if actor may read it: one of its
// organisation's (any role), or, read only (shared), a public consultation
// of another organisation that includes a survey shared with actor's
// (ConsultationReadable). Anything else is surveys.ErrNotFound, so that
// another organisation's consultation cannot be told from none.
func (a *App) ReadableConsultation(ctx context.Context, actor surveys.Token, id string) (c *surveys.Consultation, shared bool, err error) {
	c, err = a.store.Consultation(ctx, actor.OrgID, id)
	if err == nil || !errors.Is(err, surveys.ErrNotFound) {
		return c, false, err
	}
	c, err = a.store.PublicConsultation(ctx, id)
	if err != nil {
		return nil, false, err
	}
	ok, err := a.ConsultationReadable(ctx, c, actor.OrgID)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, surveys.ErrNotFound
	}
	return c, true, nil
}
