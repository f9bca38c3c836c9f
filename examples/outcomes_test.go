package examples_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/examples"
)

// Every example consultation has a worked outcome whose citations name
// example surveys; Outcome puts their ids in place (the consultation's
// participation links too) and refuses a survey it has no id for.
func TestEveryConsultationHasAWorkedOutcome(t *testing.T) {
	ids := map[string]string{}
	for i, n := range examples.Names() {
		ids[n] = fmt.Sprintf("id-%d", i)
	}
	for _, name := range examples.ConsultationNames() {
		pub, updates, err := examples.Outcome(name, ids)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(string(pub), examples.SurveyRefPrefix) || !strings.Contains(string(pub), `"id-0"`) || len(updates) == 0 {
			t.Fatalf("%s: ids not in place or no update: %s", name, pub)
		}
		var body struct {
			Findings  []map[string]any `json:"findings"`
			Decisions []struct {
				Proposal map[string]string `json:"proposal"`
			} `json:"decisions"`
		}
		if err := json.Unmarshal(pub, &body); err != nil || len(body.Findings) == 0 || len(body.Decisions) == 0 {
			t.Fatalf("%s: %v %+v", name, err, body)
		}
		for _, d := range body.Decisions {
			if d.Proposal["sv"] == "" || d.Proposal["en"] == "" || d.Proposal["ar"] == "" {
				t.Fatalf("%s: a proposal lacks a language: %v", name, d.Proposal)
			}
		}
		c, err := examples.Consultation(name, ids)
		if err != nil || strings.Contains(string(c), examples.SurveyRefPrefix) {
			t.Fatalf("%s: participation links not in place: %v %s", name, err, c)
		}
		delete(ids, examples.Names()[0])
		if _, _, err := examples.Outcome(name, ids); err == nil {
			t.Fatalf("%s: a survey without an id was accepted", name)
		}
	}
}
