package app

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Comparing two waves of a survey (surveys.Compare): the API's
// GET /v1/org/surveys/{id}/compare, as a document or a file.

// CompareRequest names the two waves and how to show them.
type CompareRequest struct {
	// Current and Previous are survey ids; differences are Current −
	// Previous.
	Current, Previous string
	// Level is the confidence level (surveys.Levels).
	Level int
	// By is a breakdown question id (empty: none): each of its groups is
	// compared with the same group of the previous wave too.
	By string
	// Lang and AcceptLanguage are the reader's preferences; the texts are
	// in the current survey's best language for them (the previous
	// survey's in the same language where it has it).
	Lang, AcceptLanguage string
}

// Comparison is a comparison of two waves with its words, and the two
// surveys it compares.
type Comparison struct {
	Doc                           *export.ComparisonDocument
	Current, Previous             *surveys.Survey
	currentShared, previousShared bool
	lang                          string
}

// Compare compares the released, disclosure-controlled estimates of two
// surveys actor may read, through protect (the API's cache of protected
// releases; nil computes them). Errors: surveys.ErrNotFound for a current
// survey actor may not read; a *surveys.ValidationError at /with for a
// previous one that is missing, the same survey or one actor may not
// read, or at /level; at /by for a breakdown question that either survey
// lacks or whose codes differ (checkBy), or that a release cannot be
// broken down by; a *surveys.WithheldError; surveys.ErrNothingComparable.
func (a *App) Compare(ctx context.Context, actor surveys.Token, req CompareRequest, protect Protect, cat *i18n.Catalog) (*Comparison, error) {
	cur, curShared, err := a.ReadableSurvey(ctx, actor, req.Current)
	if err != nil {
		return nil, err
	}
	bad := func(code surveys.Code) error {
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/with", Code: code}}}
	}
	switch {
	case req.Previous == "":
		return nil, bad(surveys.CodeRequired)
	case req.Previous == req.Current:
		return nil, bad(CodeSameSurvey)
	}
	prev, prevShared, err := a.ReadableSurvey(ctx, actor, req.Previous)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, bad(surveys.CodeUnknownSurvey)
	}
	if err != nil {
		return nil, err
	}
	if !surveys.ValidLevel(req.Level) {
		return nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/level", Code: surveys.CodeLevel}}}
	}
	if err := checkBy(&cur.Draft, &prev.Draft, req.By); err != nil {
		return nil, err
	}
	prefs := i18n.ParsePrefs(req.Lang, req.AcceptLanguage)
	lang := i18n.NewMatcher(cur.Draft.LanguagesDefaultFirst()).Pick(prefs)
	uiLang := cat.Negotiate(lang, "")
	notAnswered := cat.Message(uiLang, "text.not_answered", nil)
	waves := [2]surveys.Wave{}
	for i, sv := range []*surveys.Survey{cur, prev} {
		rel, err := a.Release(ctx, sv, protect)
		if err != nil {
			return nil, err
		}
		def := &sv.Draft
		l := lang
		if !slices.Contains(def.LanguagesDefaultFirst(), lang) {
			l = i18n.NewMatcher(def.LanguagesDefaultFirst()).Pick(prefs)
		}
		waves[i] = surveys.Wave{Survey: sv.ID, Title: def.Title.In(l, def.DefaultLanguage), Revision: rel.Revision, Day: rel.Day, Final: rel.Final,
			Results: rel.Protected.Results(l, req.By, notAnswered)}
	}
	c, err := surveys.CompareBy(waves[0], waves[1], req.By, req.Level)
	if err != nil {
		return nil, err
	}
	return &Comparison{Doc: export.BuildComparison(c, lang, uiLang, cat), Current: cur, Previous: prev,
		currentShared: curShared, previousShared: prevShared, lang: lang}, nil
}

// checkBy: by (if any) is a breakdown question of the current survey
// (the summary's check and codes), and of the previous one with the same
// option codes, so that each group has its match.
func checkBy(cur, prev *surveys.Definition, by string) error {
	if by == "" {
		return nil
	}
	if err := cur.CheckBreakdown("/by", by); err != nil {
		return err
	}
	bad := func(code surveys.Code) error {
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/by", Code: code, Params: map[string]any{"Question": by}}}}
	}
	p := prev.Question(by)
	if p == nil || !p.Breakdown {
		return bad(surveys.CodeByNotInPrevious)
	}
	codes := func(q *surveys.Question) []string {
		var out []string
		for _, o := range q.Options {
			out = append(out, o.Code)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(codes(cur.Question(by)), codes(p)) {
		return bad(surveys.CodeByCodesDiffer)
	}
	return nil
}

// CodeSameSurvey: a survey compared with itself.
const CodeSameSurvey surveys.Code = "same_survey"

// ComparisonFormats are the formats ComparisonFile writes.
var ComparisonFormats = []string{"csv", "xlsx", "pdf"}

// ComparisonFile writes c as a file in format (csv, xlsx or pdf, else
// ErrUnsupportedFormat) for actor, counted in the export metrics (kind
// comparison) and audited as an export of each survey:
// an "export" entry "compare/<current>/<previous>/<format>/<lang>" for
// each in actor's organisation and, for a survey read through a share,
// one in the survey's own organisation ("…/by/<org>"), so an organisation
// sees who downloaded numbers of its surveys. export.ErrScript: the PDF
// cannot show the language's script (the caller's problem to explain;
// not counted as a failure, as the summary exports do not count it).
func (a *App) ComparisonFile(ctx context.Context, actor surveys.Token, c *Comparison, format string) ([]byte, error) {
	start := time.Now()
	var buf bytes.Buffer
	var err error
	switch format {
	case "csv":
		err = export.WriteComparisonCSV(&buf, c.Doc)
	case "xlsx":
		err = export.WriteComparisonXLSX(&buf, c.Doc)
	case "pdf":
		err = export.WriteComparisonPDF(&buf, c.Doc)
	default:
		return nil, ErrUnsupportedFormat
	}
	if errors.Is(err, export.ErrScript) {
		return nil, err
	}
	a.metrics.Exported("comparison", format, start, err)
	if err != nil {
		return nil, err
	}
	detail := "compare/" + c.Current.ID + "/" + c.Previous.ID + "/" + format + "/" + c.lang
	for _, s := range []struct {
		sv     *surveys.Survey
		shared bool
	}{{c.Current, c.currentShared}, {c.Previous, c.previousShared}} {
		if err := a.store.Audit(ctx, store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: "export", SurveyID: s.sv.ID, Detail: detail, At: a.now()}); err != nil {
			return nil, err
		}
		if s.shared {
			if err := a.store.Audit(ctx, store.AuditEntry{OrgID: s.sv.OrgID, Action: "export", SurveyID: s.sv.ID, Detail: detail + "/by/" + actor.OrgID, At: a.now()}); err != nil {
				return nil, err
			}
		}
	}
	return buf.Bytes(), nil
}
