package app

import (
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

// AuditImport is the audit log's action for a survey created from an
// XLSForm workbook.
const AuditImport = "survey_import"

// Imported is what ImportSurvey made of a workbook.
type Imported struct {
	// Survey is the new draft; nil after a dry run.
	Survey *surveys.Survey
	// Definition is the workbook's survey as it was (or would be) stored:
	// validated, with the organisation's default support resources when
	// the workbook names none.
	Definition surveys.Definition
	// Warnings are what the conversion changed or left out without
	// refusing the workbook (xlsform.Result.Warnings), row by row.
	Warnings []xlsform.Problem
}

// ImportSurvey makes a draft of actor's organisation from an XLSForm
// workbook of size bytes read from r: the conversion (package xlsform,
// whose refusals are an *xlsform.Error with one problem per row, or
// xlsform.ErrLegacyXLS, ErrNotWorkbook or ErrTooLarge), the organisation's default
// support resources when the workbook names none, validation
// (*surveys.ValidationError), then the draft stored under a new id and an
// audit entry, exactly as a survey created from JSON. With dryRun nothing
// is stored: the caller sees what the import would make.
//
// The workbook is outside input: xlsform.Read refuses it unread when size
// is over xlsform.MaxWorkbookBytes, and bounds what unzipping and reading
// it may cost.
func (a *App) ImportSurvey(ctx context.Context, actor surveys.Token, r io.Reader, size int64, dryRun bool) (*Imported, error) {
	// The organisation's default support resources go in before the
	// workbook is validated, so that a sensitive survey whose workbook
	// names none imports as it would be created from JSON.
	org, err := a.store.Org(ctx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	res, err := xlsform.ReadWith(r, size, xlsform.Options{DefaultSupport: org.SupportResources})
	if err != nil {
		return nil, err
	}
	def := res.Definition
	if err := def.Validate(); err != nil {
		return nil, err
	}
	imp := &Imported{Definition: def, Warnings: res.Warnings}
	if dryRun {
		return imp, nil
	}
	now := a.now().UTC()
	sv := &surveys.Survey{ID: uuid.NewString(), OrgID: actor.OrgID, Status: surveys.Draft, Draft: def, CreatedAt: now, UpdatedAt: now}
	if err := a.store.CreateSurvey(ctx, sv); err != nil {
		return nil, err
	}
	// The detail says what came in, never the file's name (an organiser's
	// file may be named after a school or a person).
	detail := fmt.Sprintf("xlsform, %d bytes, %d warnings", size, len(res.Warnings))
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditImport, SurveyID: sv.ID, Detail: detail, At: a.now()}
	if err := a.store.Audit(ctx, entry); err != nil {
		return nil, err
	}
	imp.Survey = sv
	return imp, nil
}
