package app

import (
	"context"
	"errors"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Audit actions of shares: the entry's survey_id is the survey, its
// detail the organisation it was shared with (or no longer is).
const (
	AuditShare   = "share"
	AuditUnshare = "unshare"
)

// Share lets the organisation orgID (a ministry, say) read and export the
// summaries of sv, a survey of actor's organisation (the caller found it
// within that organisation and checked that actor is an owner): the
// checks (not the survey's own organisation; an organisation that
// exists), the share and its audit entry, as POST
// /v1/org/surveys/{id}/shares and the console both do it. A bad orgID is a
// *surveys.ValidationError at pointer. Sharing again is harmless and
// audited again, so a retry after a failed audit write records it.
func (a *App) Share(ctx context.Context, actor surveys.Token, sv *surveys.Survey, orgID, pointer string) (surveys.Org, error) {
	if orgID == actor.OrgID {
		return surveys.Org{}, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: pointer, Code: surveys.CodeInvalid}}}
	}
	if orgID == "" {
		return surveys.Org{}, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: pointer, Code: surveys.CodeUnknownOrg}}}
	}
	org, err := a.store.Org(ctx, orgID)
	if errors.Is(err, surveys.ErrNotFound) {
		return surveys.Org{}, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: pointer, Code: surveys.CodeUnknownOrg}}}
	}
	if err != nil {
		return surveys.Org{}, err
	}
	sh := store.Share{SurveyID: sv.ID, OwnerOrg: actor.OrgID, SharedWith: org.ID, CreatedAt: a.now().UTC()}
	if err := a.store.AddShare(ctx, sh); err != nil {
		return surveys.Org{}, err
	}
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditShare, SurveyID: sv.ID, Detail: org.ID, At: a.now()}
	if err := a.store.Audit(ctx, entry); err != nil {
		return surveys.Org{}, err
	}
	return org, nil
}

// Unshare stops sharing sv (a survey of actor's organisation) with
// orgID, at the organisation's next request, and audits it. A share that
// does not exist is surveys.ErrNotFound, and nothing is audited.
func (a *App) Unshare(ctx context.Context, actor surveys.Token, sv *surveys.Survey, orgID string) error {
	if err := a.store.RemoveShare(ctx, sv.ID, orgID); err != nil {
		return err
	}
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditUnshare, SurveyID: sv.ID, Detail: orgID, At: a.now()}
	return a.store.Audit(ctx, entry)
}
