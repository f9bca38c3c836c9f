// Package export writes survey summaries into files that go straight into
// a report (CSV, XLSX, PDF; JSON is the API's own shape), and anonymised
// response-level data (CSV) for organisers. Every number in a summary has
// passed disclosure control before it reaches this package.
package export

import (
	"errors"

	"github.com/youthvoice/youthvoice/surveys"
)

// Summary is everything a summary export holds, in one language. Its
// JSON is its Document (document.go).
type Summary struct {
	SurveyID string
	Title    string
	Lang     string
	Dir      string // "rtl" or "ltr"
	Revision int
	K        int
	// Released is the UTC day of the release ("2006-01-02"); Final says
	// the survey is closed and this is its last release.
	Released string
	Final    bool
	// Overall is the release without breakdowns; Breakdowns holds one
	// entry per breakdown dimension (overall plus each group).
	Overall    surveys.Results
	Breakdowns []Breakdown
	// Weighted: the release weighted to the population (an export asked
	// with weighted=true), shown apart from the unweighted tables.
	Weighted *surveys.WeightedResults
	// Notes says in plain words, in the export's language, how many
	// responses were collected and are in the release, and what is held
	// back (StatusNotes); Method explains how the numbers were made and
	// protected (paragraphs). The files print both as the method note.
	Notes  []string
	Method []string
	// Status is the same in figures: collected, released, held back, and
	// the perturbation's parameters.
	Status surveys.ReleaseStatus
	Labels Labels
}

// Breakdown is the release broken down by one dimension.
type Breakdown struct {
	ID      string // the breakdown question's id
	Label   string // the breakdown question's text
	Results surveys.Results
}

// Labels are the words an export prints, translated by the caller.
type Labels struct {
	Overview   string // sheet / section: the overall tables
	Method     string // sheet / section: the method note
	Question   string
	Type       string
	Option     string
	Group      string
	Everyone   string // the group of all respondents
	Count      string
	Percent    string
	Suppressed string // what a suppressed count and a withheld statistic show
	// Legend says what the Suppressed marker means, for counts and for
	// statistics (the XLSX overview prints it above the tables).
	Legend     string
	Hidden     string // what a hidden group shows
	Withheld   string // the whole release is withheld (fewer than k)
	Responses  string // "Responses"
	Threshold  string // "Disclosure threshold (k)"
	Revision   string
	Released   string
	Final      string
	Answered   string
	Skipped    string
	Seen       string
	DontKnow   string
	Mean       string
	Median     string
	Q1         string
	Q3         string
	SD         string
	MeanRank   string
	Statement  string
	KeyFigures string
	// CILow, CIHigh and CI head the columns of a percentage's confidence
	// interval (surveys.Wilson, at surveys.DefaultLevel): its lower and
	// upper limits, or both in one column (PDF).
	CILow, CIHigh, CI string
	// The weighted figures (Summary.Weighted): their section or sheet,
	// the column of weighted percentages, Kish's effective sample size
	// and design effect, the margins' heading, a population total, a code
	// not stated, and the weights' spread.
	Weighted, WeightedPercent, NEff, Deff, Population, Total, NotStated, Weights string
}

// ErrScript: the PDF writer cannot print a script the summary's texts
// hold: one that needs shaping other than Arabic's (Devanagari, Thai...)
// or that its font lacks (Hebrew, Han...); it refuses rather than print
// it garbled.
var ErrScript = errors.New("export: the PDF report cannot render this script")

// methodNote is the method note as the files print it: the status in
// plain words, then how the numbers were made and protected.
func (s *Summary) methodNote() []string {
	return append(append([]string(nil), s.Notes...), s.Method...)
}
