package app

import (
	"context"
	"errors"
	"fmt"

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

// WeightingFor is Weighting for those asking for weighted figures: a
// survey without margins is ErrNoWeighting (a 409), not ErrNotFound.
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

// Weighted gives the weighted figures of a survey's release (sum, read
// with the release's cells: store.SummaryCells; p its protected tables),
// weighted with the margins the release was first weighted with
// (store.WeightingOfRelease: one set of totals per release; later ones apply
// from the next release, and the figures say so). ErrNoWeighting when the
// survey has no margins, ErrWeightingRecount when the release predates
// cross-classified counts, *surveys.ErrWeightingUnusable when it cannot
// be weighted; nil figures when the release is withheld.
func (a *App) Weighted(ctx context.Context, sv *surveys.Survey, sum *store.Summary, p *surveys.Protected, lang string, level int) (*surveys.WeightedResults, error) {
	released := sum.ReleaseTally
	if released.Responses < sv.Draft.Threshold() {
		return nil, nil // withheld: nothing weighted, nothing served
	}
	// Cells that do not count every response of the release (a release
	// counted in part before cells were kept) would weight a part of it.
	counted := 0
	for _, c := range released.Cells {
		counted += c.Responses
	}
	if counted != released.Responses && len(sv.Draft.CrossDimensions()) > 0 {
		return nil, ErrWeightingRecount
	}
	for range 3 {
		rw, err := a.store.WeightingOfRelease(ctx, sv.ID, sum.ReleaseN)
		if err != nil {
			return nil, err
		}
		if rw == nil {
			return nil, ErrNoWeighting
		}
		res, err := p.Weighted(released.Cells, rw.Margins, lang, level)
		if err != nil || res == nil {
			return nil, err // nothing published: nothing recorded
		}
		res.NewerTotals = rw.Newer
		// Published only once recorded as the release's own: of two
		// requests with different margins, one records and the other
		// reads again and publishes the first one's.
		ok, err := a.store.MarkWeighted(ctx, sv.ID, sum.ReleaseN, rw)
		if err != nil {
			return nil, err
		}
		if ok {
			return res, nil
		}
	}
	return nil, fmt.Errorf("app: weighting of %s: the margins kept changing", sv.ID)
}

// LiveWeighted is the owners' audited preview of weighting: the live
// tally (sum read with its cells: store.SummaryCells with live) weighted
// exactly, with no disclosure control, to the survey's current margins,
// so that they can check the totals before a release is published with
// them (which then keeps them: Weighted). Nothing is recorded as
// published. The caller audits it as a live view.
func (a *App) LiveWeighted(ctx context.Context, sv *surveys.Survey, sum *store.Summary, lang string, level int) (*surveys.WeightedResults, error) {
	w, err := a.WeightingFor(ctx, sv)
	if err != nil {
		return nil, err
	}
	counted := 0
	for _, c := range sum.Tally.Cells {
		counted += c.Responses
	}
	if counted != sum.Tally.Responses && len(sv.Draft.CrossDimensions()) > 0 {
		return nil, ErrWeightingRecount
	}
	return surveys.Exact(&sv.Draft, sum.Tally).Weighted(sum.Tally.Cells, w.Margins, lang, level)
}
