package app

import (
	"context"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Transition is a change of a survey's state that an organiser asks for.
// Its value is the action written to the audit log.
type Transition string

// The organisers' transitions.
const (
	Publish Transition = "publish"
	Close   Transition = "close"
	Archive Transition = "archive"
)

// ChangeState publishes, closes or archives sv on behalf of actor: the
// state change (the domain decides whether it is allowed now), the save
// (checked against the version sv was read at, so a concurrent change to
// the survey fails instead of being overwritten), the audit entry, and,
// for a close, what closing entails (AfterClose). sv holds the new state
// when it returns without error.
//
// When the save succeeded and a later step failed, the survey's new state
// stands: the error is returned so that the caller reports it, and the
// closer finishes an interrupted close's unlinking (CloseOverdue).
func (a *App) ChangeState(ctx context.Context, actor surveys.Token, sv *surveys.Survey, t Transition) error {
	now := a.now().UTC()
	wasOpen := sv.Status == surveys.Open
	var rev *surveys.Revision
	var err error
	switch t {
	case Publish:
		var r surveys.Revision
		r, err = sv.Publish(now)
		rev = &r
	case Close:
		err = sv.Close(now)
	case Archive:
		err = sv.Archive(now)
	default:
		panic("app: unknown transition " + string(t))
	}
	if err != nil {
		return err
	}
	// A survey leaves the open state by a close, or by an archive once its
	// window has ended (before the closer recorded the close): either way
	// what closing entails follows, and its codes are recorded to unlink
	// before the save, so that a crash after it leaves them to the closer.
	closing := wasOpen && sv.Status != surveys.Open
	if closing && sv.Draft.AccessCodes {
		if err := a.store.WillUnlinkAccessCodes(ctx, sv.ID); err != nil {
			return err
		}
	}
	if err := a.store.SaveSurvey(ctx, sv, rev); err != nil {
		return err
	}
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: string(t), SurveyID: sv.ID, At: a.now()}
	if err := a.store.Audit(ctx, entry); err != nil {
		return err
	}
	if closing {
		return a.AfterClose(ctx, sv)
	}
	return nil
}
