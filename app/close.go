package app

import (
	"context"

	"github.com/youthvoice/youthvoice/surveys"
)

// AfterClose does what closing a survey entails beyond its status, once
// the closed survey is saved: access codes are unlinked from the
// submissions that used them, and the summary's release is frozen once
// this process's batches are in it. It does not recount: other processes
// may still be storing a submission they accepted just before the close,
// and a recount would lose it (store.ReplaceSummary). The summary stays
// exact by itself; such a late batch is counted, and stays out of the
// frozen release. It is idempotent; the closer finishes the unlinking for
// any closed survey where it was interrupted (the close recorded its codes
// to unlink before saving: store.WillUnlinkAccessCodes).
func (a *App) AfterClose(ctx context.Context, sv *surveys.Survey) error {
	if sv.Draft.AccessCodes {
		if err := a.store.UnlinkAccessCodes(ctx, sv.ID); err != nil {
			return err
		}
	}
	a.summarizer.Flush(ctx)
	return a.store.FreezeSummary(ctx, sv.ID, sv.Draft.Threshold())
}

// CloseOverdue closes every open survey whose window has ended, and
// finishes unlinking access codes of closed surveys where an earlier
// close was interrupted. It returns the ids of the surveys it closed.
func (a *App) CloseOverdue(ctx context.Context) []string {
	now := a.now().UTC()
	list, err := a.store.OverdueSurveys(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("closing overdue surveys", "error", err.Error())
		}
		return nil
	}
	var closed []string
	for _, sv := range list {
		if err := sv.Close(*sv.Draft.ClosesAt); err != nil {
			continue
		}
		if sv.Draft.AccessCodes {
			if err := a.store.WillUnlinkAccessCodes(ctx, sv.ID); err != nil {
				a.log.Warn("closing overdue survey", "survey", sv.ID, "error", err.Error())
				continue
			}
		}
		if err := a.store.SaveSurvey(ctx, sv, nil); err != nil {
			a.log.Warn("closing overdue survey", "survey", sv.ID, "error", err.Error())
			continue
		}
		closed = append(closed, sv.ID)
		if err := a.AfterClose(ctx, sv); err != nil {
			a.log.Warn("after closing survey", "survey", sv.ID, "error", err.Error())
		}
		a.log.Info("survey closed at closes_at", "survey", sv.ID)
	}
	if !a.unlinksRecorded.Load() {
		if err := a.store.RecordInterruptedUnlinks(ctx); err != nil {
			a.log.Warn("finding closes cut short", "error", err.Error())
		} else {
			a.unlinksRecorded.Store(true)
		}
	}
	linked, err := a.store.LinkedClosedSurveys(ctx)
	if err != nil {
		return closed
	}
	for _, id := range linked {
		if err := a.store.UnlinkAccessCodes(ctx, id); err != nil {
			a.log.Warn("unlinking access codes", "survey", id, "error", err.Error())
		}
	}
	return closed
}
