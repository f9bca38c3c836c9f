package app

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Reading a consultation as its organisation or as a ministry, and its
// participation report as a file: the API's GET /v1/org/consultations/{id}
// (outcome, report) and the console's consultation pages call these, so
// that both read by the same rule and audit the report alike.

// ParticipationMIME are the participation report's formats and their
// media types.
var ParticipationMIME = map[string]string{
	"pdf":  "application/pdf",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// ParticipationReportFile makes c's participation report (ParticipationReport)
// as a file in format (pdf or xlsx, else ErrUnsupportedFormat), in lang with
// the words of uiLang, for actor; shared says actor reads c through a share
// (a ministry). It is counted in the export metrics (kind participation) and
// audited: an "export" entry "<id>/participation/<format>/<lang>" in actor's
// organisation and, for a shared read, one in c's own ("…/by/<org>"), so an
// organisation sees who downloaded its report. export.ErrScript: the PDF
// cannot show lang's script (the caller's problem to explain; not counted as
// a failure, as the summary exports do not count it).
func (a *App) ParticipationReportFile(ctx context.Context, actor surveys.Token, c *surveys.Consultation, shared bool, protect Protect,
	format, lang, uiLang string, cat *i18n.Catalog) ([]byte, error) {
	if ParticipationMIME[format] == "" {
		return nil, ErrUnsupportedFormat
	}
	start := time.Now()
	rep, err := a.ParticipationReport(ctx, c, protect, lang, uiLang, cat)
	if err != nil {
		a.metrics.Exported("participation", format, start, err)
		return nil, err
	}
	var buf bytes.Buffer
	if format == "pdf" {
		err = export.WriteParticipationPDF(&buf, rep)
	} else {
		err = export.WriteParticipationXLSX(&buf, rep)
	}
	if errors.Is(err, export.ErrScript) {
		return nil, err
	}
	a.metrics.Exported("participation", format, start, err)
	if err != nil {
		return nil, err
	}
	detail := c.ID + "/participation/" + format + "/" + lang
	if err := a.store.Audit(ctx, store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: "export", Detail: detail, At: a.now()}); err != nil {
		return nil, err
	}
	if shared {
		if err := a.store.Audit(ctx, store.AuditEntry{OrgID: c.OrgID, Action: "export", Detail: detail + "/by/" + actor.OrgID, At: a.now()}); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
