package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Protect makes the disclosure-controlled tables of a survey's release
// (surveys.Disclose); the API passes one that keeps them in its cache.
type Protect func(sv *surveys.Survey, sum *store.Summary, k int) *surveys.Protected

// Release is a survey's published release, protected, as exports show it:
// the tables of the release, never the live tally, with how many
// responses were collected and whether the release is final.
func (a *App) Release(ctx context.Context, sv *surveys.Survey, protect Protect) (export.Release, error) {
	sum, err := a.store.Summary(ctx, sv.ID)
	if err != nil {
		return export.Release{}, err
	}
	return release(sv, sum, protect), nil
}

// WeightedRelease is Release with the release's figures weighted to the
// survey's margins (w, as read by WeightingFor: the release is weighted
// with those it was first weighted with, App.Weighted), at level, in lang
// (Weighted's errors).
func (a *App) WeightedRelease(ctx context.Context, sv *surveys.Survey, protect Protect, w *store.Weighting, lang string, level int) (export.Release, error) {
	if w == nil {
		return export.Release{}, ErrNoWeighting
	}
	sum, err := a.store.SummaryCells(ctx, sv.ID, false)
	if err != nil {
		return export.Release{}, err
	}
	rel := release(sv, sum, protect)
	rel.Level = level
	if rel.Weighted, err = a.Weighted(ctx, sv, sum, rel.Protected, lang, level); err != nil {
		return export.Release{}, err
	}
	return rel, nil
}

func release(sv *surveys.Survey, sum *store.Summary, protect Protect) export.Release {
	def := &sv.Draft
	k := def.Threshold()
	var p *surveys.Protected
	if protect != nil {
		p = protect(sv, sum, k)
	} else {
		p = surveys.Disclose(def, sum.ReleaseTally, k)
	}
	return export.Release{SurveyID: sv.ID, Revision: sv.Revision, Def: def, Protected: p, K: k, N: sum.ReleaseN, Day: sum.ReleaseDay,
		Final: sum.Frozen, Collected: sum.Tally.Responses}
}

// ErrUnsupportedFormat: a summary export format other than csv, xlsx, pdf
// or json.
var ErrUnsupportedFormat = errors.New("app: unsupported export format")

// SummaryFormats are the formats WriteSummary writes.
var SummaryFormats = []string{"csv", "xlsx", "pdf", "json"}

// WriteSummary writes a built summary export in format; JSON is indented
// with jsonIndent (empty: compact). export.ErrScript: the PDF cannot show
// the language's script.
func WriteSummary(w io.Writer, sum *export.Summary, format, jsonIndent string) error {
	switch format {
	case "csv":
		return export.WriteCSV(w, sum)
	case "xlsx":
		return export.WriteXLSX(w, sum)
	case "pdf":
		return export.WritePDF(w, sum)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", jsonIndent)
		return enc.Encode(sum)
	}
	return ErrUnsupportedFormat
}
