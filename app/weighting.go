package app

import (
	"context"
	"errors"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Weighting to the population (docs/statistics.md, "Weighting"): an
// organiser's margins, kept per survey, and the weighted figures of a
// release computed from them.

// AuditWeighting is the audit action of a change to a survey's margins.
const AuditWeighting = "weighting"

// ErrWeightingRecount: the release was counted before the tally kept its
// cross-classified cells (an older version), so it cannot be weighted
// until the survey is recounted (`youthvoice recount --fix`).
var ErrWeightingRecount = errors.New("app: the release has no cross-classified counts; recount the survey")

// ErrNoWeighting: weighted figures were asked for a survey without margins.
var ErrNoWeighting = errors.New("app: the survey has no weighting margins")

// SetWeighting checks margins against the survey's current definition and
// stores them, replacing any it had; the change is audited.
func (a *App) SetWeighting(ctx context.Context, actor surveys.Token, sv *surveys.Survey, m *surveys.Margins) (*store.Weighting, error) {
	f, err := m.Frame(&sv.Draft)
	if err != nil {
		return nil, err
	}
	w, err := a.store.SetWeighting(ctx, sv.ID, m)
	if err != nil {
		return nil, err
	}
	// The dimensions and the margins' tag (a hash of the totals), so that
	// the log tells one set of totals from another.
	detail := "set"
	for i, d := range f.Dims {
		if i == 0 {
			detail += " "
		} else {
			detail += ","
		}
		detail += d.Question
	}
	detail += " " + w.Tag
	return w, a.store.Audit(ctx, store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditWeighting, SurveyID: sv.ID, Detail: detail, At: a.now()})
}

// DeleteWeighting removes a survey's margins (audited); ErrNotFound when
// it had none.
func (a *App) DeleteWeighting(ctx context.Context, actor surveys.Token, sv *surveys.Survey) error {
	deleted, err := a.store.DeleteWeighting(ctx, sv.ID)
	if err != nil {
		return err
	}
	if !deleted {
		return surveys.ErrNotFound
	}
	return a.store.Audit(ctx, store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditWeighting, SurveyID: sv.ID, Detail: "removed", At: a.now()})
}

// Weighting reads a survey's margins; ErrNotFound when it has none.
// WeightingFor is the same with ErrNoWeighting, for those asking for
// weighted figures.
func (a *App) WeightingFor(ctx context.Context, sv *surveys.Survey) (*store.Weighting, error) {
	w, err := a.Weighting(ctx, sv)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, ErrNoWeighting
	}
	return w, err
}

// Weighting reads a survey's margins; ErrNotFound when it has none.
func (a *App) Weighting(ctx context.Context, sv *surveys.Survey) (*store.Weighting, error) {
	w, err := a.store.Weighting(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	if w == nil {
		return nil, surveys.ErrNotFound
	}
	return w, nil
}

// Weighted gives the weighted figures of a release (p, of the tally
// released, read with its cells: store.SummaryCells) with the survey's
// margins w: ErrWeightingRecount when the
// release predates cross-classified counts, a *surveys.ValidationError
// when the margins no longer fit the survey or its respondents; nil
// figures when the release is withheld.
func Weighted(w *store.Weighting, released *surveys.Tally, p *surveys.Protected, lang string, level int) (*surveys.WeightedResults, error) {
	if released.Responses > 0 && len(released.Cells) == 0 {
		return nil, ErrWeightingRecount
	}
	return p.Weighted(released.Cells, w.Margins, lang, level)
}
