package export

import (
	"encoding/json"

	"github.com/youthvoice/youthvoice/surveys"
)

// Document is a summary as JSON, one shape for the whole API: the body of
// GET /v1/org/surveys/{id}/summary and GET /v1/surveys/{id}/results (the
// release, or the live tally, broken down by one question at most), and
// the JSON summary export (the release with every breakdown at once and
// the method note). The export's document is the summary's release
// document plus Breakdowns and Method, field for field, so a script that
// reads one reads the other. Absent values are left out, never written
// as empty strings.
type Document struct {
	SurveyID string `json:"survey_id"`
	Revision int    `json:"revision"`
	Title    string `json:"title"`
	Lang     string `json:"lang"`
	Dir      string `json:"dir"`
	View     string `json:"view"` // "release" or "live"
	// Released is the UTC day of the release; absent before the first
	// release and in the live view.
	Released string          `json:"released,omitempty"`
	Final    bool            `json:"final,omitempty"`
	Results  surveys.Results `json:"results"`
	// Breakdowns (the export only): the release by each breakdown
	// question, in question order.
	Breakdowns []DocumentBreakdown `json:"breakdowns,omitempty"`
	// Status: collected and released responses, what is held back and
	// how many more it needs, the perturbation's parameters; Notes says
	// the same in plain words, in the server language closest to Lang
	// (the release only).
	Status surveys.ReleaseStatus `json:"status"`
	// Weighted: the release's figures weighted to the population (with
	// ?weighted=true, for a survey with margins), beside the unweighted
	// Results; the notes and the method note say how.
	Weighted *surveys.WeightedResults `json:"weighted,omitempty"`
	Notes    []string                 `json:"notes,omitempty"`
	// Method (the export only): how the numbers were made and protected,
	// in the language of Notes.
	Method []string `json:"method,omitempty"`
}

// DocumentBreakdown is the release broken down by one question, as the
// summary's results with ?by=ID.
type DocumentBreakdown struct {
	ID      string          `json:"id"`
	Label   string          `json:"label"`
	Results surveys.Results `json:"results"`
}

// ViewRelease and ViewLive are the values of Document.View.
const (
	ViewRelease = "release"
	ViewLive    = "live"
)

// Document is the summary's JSON document: the release, with every
// breakdown and the method note.
func (s *Summary) Document() Document {
	d := Document{SurveyID: s.SurveyID, Revision: s.Revision, Title: s.Title, Lang: s.Lang, Dir: s.Dir, View: ViewRelease,
		Released: s.Released, Final: s.Final, Results: s.Overall, Status: s.Status, Weighted: s.Weighted, Notes: s.Notes, Method: s.Method}
	for _, b := range s.Breakdowns {
		d.Breakdowns = append(d.Breakdowns, DocumentBreakdown{ID: b.ID, Label: b.Label, Results: b.Results})
	}
	return d
}

// MarshalJSON writes the summary as its Document, so that the JSON export
// has the API's shape and not the Go struct's.
func (s Summary) MarshalJSON() ([]byte, error) { return json.Marshal(s.Document()) }
