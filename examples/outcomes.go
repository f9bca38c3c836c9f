package examples

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// The example consultations' worked outcomes ("you said, we did"):
// consultations/outcomes/<consultation file name>, each the body that
// publishes the outcome ("outcome") and the bodies of its later updates
// ("updates"), in order. Their citations name the example surveys by
// their paths (SurveyRefPrefix), as the consultation does.

//go:embed consultations/outcomes/*.json
var outcomeFiles embed.FS

// OutcomeFile is the worked outcome of the example consultation with the
// given file name, exactly as stored.
func OutcomeFile(name string) ([]byte, error) {
	return outcomeFiles.ReadFile(path.Join("consultations", "outcomes", path.Base(name)))
}

// Outcome is the worked outcome of the example consultation with the given
// file name: the body of POST /v1/org/consultations/{id}/outcome and the
// bodies of POST .../outcome/updates, each survey a citation names
// replaced by its id in ids (keyed by the example survey's file name).
func Outcome(name string, ids map[string]string) (publish []byte, updates [][]byte, err error) {
	b, err := OutcomeFile(name)
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Outcome map[string]any   `json:"outcome"`
		Updates []map[string]any `json:"updates"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("examples: outcome %s: %w", name, err)
	}
	for _, body := range append([]map[string]any{doc.Outcome}, doc.Updates...) {
		if err := linkCitations(body, ids, name); err != nil {
			return nil, nil, err
		}
		out, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		if publish == nil {
			publish = out
		} else {
			updates = append(updates, out)
		}
	}
	return publish, updates, nil
}

// surveyID is the id of an example survey named by its path.
func surveyID(ref string, ids map[string]string, name string) (string, error) {
	id, ok := ids[strings.TrimPrefix(ref, SurveyRefPrefix)]
	if !ok || !strings.HasPrefix(ref, SurveyRefPrefix) {
		return "", fmt.Errorf("examples: %s: no id for the survey %q", name, ref)
	}
	return id, nil
}

// linkCitations puts the surveys' ids in the findings' citations.
func linkCitations(body map[string]any, ids map[string]string, name string) error {
	findings, _ := body["findings"].([]any)
	for _, f := range findings {
		fm, _ := f.(map[string]any)
		cites, _ := fm["cites"].([]any)
		for _, c := range cites {
			cm, _ := c.(map[string]any)
			ref, _ := cm["survey"].(string)
			id, err := surveyID(ref, ids, name)
			if err != nil {
				return err
			}
			cm["survey"] = id
		}
	}
	return nil
}

// linkParticipation puts the surveys' ids in a consultation's
// participation links (which name the example surveys by their paths).
func linkParticipation(doc map[string]json.RawMessage, ids map[string]string, name string) error {
	raw, ok := doc["participation"]
	if !ok {
		return nil
	}
	var links []map[string]any
	if err := json.Unmarshal(raw, &links); err != nil {
		return fmt.Errorf("examples: %s: participation: %w", name, err)
	}
	for _, l := range links {
		ref, _ := l["survey"].(string)
		id, err := surveyID(ref, ids, name)
		if err != nil {
			return err
		}
		l["survey"] = id
	}
	b, err := json.Marshal(links)
	if err != nil {
		return err
	}
	doc["participation"] = b
	return nil
}
