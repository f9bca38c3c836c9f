package app

import (
	"context"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Recounted compares a survey's summary and response pages with a recount
// of its stored responses (the source of truth).
type Recounted struct {
	Summary *store.Summary
	Recount *surveys.Tally
	// Differences between the summary's tally and the recount, described
	// (empty: they match).
	Differences []string
	// Paged is how many responses the response pages (what the response
	// export reads) hold.
	Paged int
}

// Recount tallies a survey's stored responses afresh and compares.
func (a *App) Recount(ctx context.Context, surveyID string) (Recounted, error) {
	var r Recounted
	var err error
	if r.Summary, err = a.store.SummaryCells(ctx, surveyID, true); err != nil {
		return r, err
	}
	if r.Recount, err = a.store.Recount(ctx, surveyID, a.defs); err != nil {
		return r, err
	}
	r.Differences = surveys.TallyDifferences(r.Summary.Tally, r.Recount)
	if r.Paged, err = a.store.PagedResponses(ctx, surveyID); err != nil {
		return r, err
	}
	return r, nil
}

// Fix replaces what a recount found wrong: the summary by the recount
// (its release frozen if the survey is closed or archived) and the
// response pages by pages rebuilt from the stored responses. Call it with
// no submission to the survey in flight (store.ReplaceSummary).
func (a *App) Fix(ctx context.Context, sv *surveys.Survey, r Recounted) error {
	if len(r.Differences) > 0 {
		frozen := sv.Status == surveys.Closed || sv.Status == surveys.Archived
		if err := a.store.ReplaceSummary(ctx, sv.ID, r.Recount, sv.Draft.Threshold(), frozen); err != nil {
			return err
		}
	}
	if r.Paged != r.Recount.Responses {
		return a.store.RebuildPages(ctx, sv.ID)
	}
	return nil
}
