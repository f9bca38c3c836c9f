package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// A release whose cells do not count all its responses (part of it was
// counted before cells were kept) is not weighted, which would weight a
// part of it only: ErrWeightingRecount until a recount; with every
// response in its cells, it is.
func TestWeightingNeedsCellsOfEveryResponse(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sv := &surveys.Survey{ID: "A", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
	a := app.New(app.Options{Store: st, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age_band", Totals: map[string]float64{"10-12": 25, "13-15": 25, "16-18": 25, "19-25": 25}}}}
	if _, err := a.SetWeighting(ctx, surveys.Token{OrgID: "o", ID: "t"}, sv, m); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	tally := surveys.NewTally()
	for i := range 200 {
		raw := map[string]json.RawMessage{}
		for id, v := range simulate.Answers(def, rng) {
			if raw[id], err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			t.Fatal(err)
		}
		tally.Add(def, &surveys.Response{Key: "k" + strconv.Itoa(i), Revision: 1, Day: "2026-12-01", Answers: answers})
	}
	sum := &store.Summary{SurveyID: "A", Tally: tally, ReleaseN: tally.Responses, ReleaseTally: tally}
	p := surveys.Disclose(def, tally, def.Threshold())
	if w, err := a.Weighted(ctx, sv, sum, p, "en", 95); err != nil || w == nil {
		t.Fatalf("every response in the cells: %v", err)
	}
	for key, c := range tally.Cells { // some responses counted before cells were kept
		if c.Responses > 0 {
			delete(tally.Cells, key)
			break
		}
	}
	n := 0
	for _, c := range tally.Cells {
		n += c.Responses
	}
	if _, err := a.Weighted(ctx, sv, sum, p, "en", 95); !errors.Is(err, app.ErrWeightingRecount) {
		t.Fatalf("cells of %d of the release's %d responses: %v (%d cells)", n, tally.Responses, err, len(tally.Cells))
	}
}
