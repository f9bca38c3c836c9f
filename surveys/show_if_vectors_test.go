package surveys_test

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// showIfVectors is docs/show_if_vectors.json, the cases app developers run
// against their own show_if implementation.
type showIfVectors struct {
	Survey json.RawMessage `json:"survey"`
	Cases  []struct {
		Name    string                     `json:"name"`
		ShowIf  json.RawMessage            `json:"show_if"`
		Answers map[string]json.RawMessage `json:"answers"`
		Visible bool                       `json:"visible"`
		Dropped []string                   `json:"dropped"`
	} `json:"cases"`
}

// The server decides every case of the published vectors as they say:
// each condition is valid (Validate), the stale answers to hidden
// questions are exactly those listed as dropped (ParseAnswers refuses them
// as hidden_question), and with them dropped the answers are accepted and
// the target question's visibility is the expected one (Visible, which
// Tally and submissions use).
func TestShowIfVectors(t *testing.T) {
	b, err := os.ReadFile("../docs/show_if_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v showIfVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 50 {
		t.Fatalf("only %d cases", len(v.Cases))
	}
	ops := map[string]bool{}
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var d surveys.Definition
			if err := json.Unmarshal(v.Survey, &d); err != nil {
				t.Fatal(err)
			}
			var cond surveys.Condition
			if err := json.Unmarshal(c.ShowIf, &cond); err != nil {
				t.Fatal(err)
			}
			collectOperators(&cond, ops)
			s := &d.Sections[len(d.Sections)-1]
			s.Questions = append(s.Questions, surveys.Question{ID: "target", Type: surveys.FreeText, Text: surveys.Text{"en": "Target"}, ShowIf: &cond})
			if err := d.Validate(); err != nil {
				t.Fatalf("the case's condition is invalid: %v", err)
			}
			raw := map[string]json.RawMessage{}
			for id, a := range c.Answers {
				raw[id] = a
			}
			var dropped []string
			_, err := d.ParseAnswers(raw)
			var ve *surveys.ValidationError
			if errors.As(err, &ve) {
				for _, f := range ve.Errors {
					if f.Code != surveys.CodeHiddenQuestion {
						t.Fatalf("answers refused: %v", err)
					}
					id := strings.TrimPrefix(f.Pointer, "/answers/")
					dropped = append(dropped, id)
					delete(raw, id)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			slices.Sort(dropped)
			if want := slices.Sorted(slices.Values(c.Dropped)); !slices.Equal(dropped, want) {
				t.Errorf("dropped %v, want %v", dropped, want)
			}
			answers, err := d.ParseAnswers(raw)
			if err != nil {
				t.Fatalf("answers without the dropped ones refused: %v", err)
			}
			if got := d.Visible(answers)["target"]; got != c.Visible {
				t.Errorf("visible %v, want %v", got, c.Visible)
			}
		})
	}
	// Every operator and both groups are covered.
	for _, op := range []string{"all", "any", "equals", "any_of", "none_of", "at_least", "at_most", "answered"} {
		if !ops[op] {
			t.Errorf("no case uses %s", op)
		}
	}
}

// collectOperators records the groups and operators a condition uses.
func collectOperators(c *surveys.Condition, ops map[string]bool) {
	switch {
	case len(c.All) > 0:
		ops["all"] = true
		for i := range c.All {
			collectOperators(&c.All[i], ops)
		}
	case len(c.Any) > 0:
		ops["any"] = true
		for i := range c.Any {
			collectOperators(&c.Any[i], ops)
		}
	}
	for op, set := range map[string]bool{
		"equals": c.Equals != nil, "any_of": len(c.AnyOf) > 0, "none_of": len(c.NoneOf) > 0,
		"at_least": c.AtLeast != nil, "at_most": c.AtMost != nil, "answered": c.Answered != nil,
	} {
		ops[op] = ops[op] || set
	}
}
