package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func TestMain(m *testing.M) { store.RunCheckingQueries(m) }

// The workflows on a real embedded store: a submission is stored once (a
// retry gets the same outcome, not stored again), another answer under
// the same id is a conflict, a closed survey refuses new submissions yet
// still answers a retry, the close freezes the release, and a recount
// matches the summary.
func TestSubmitCloseRecount(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sv := &surveys.Survey{ID: "A", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	rev, err := sv.Publish(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSurvey(ctx, sv, &rev); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{Store: st, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	revisions := func(_ context.Context, sv *surveys.Survey, n int) (*surveys.Definition, error) {
		if n != sv.Revision {
			return nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/revision", Code: surveys.CodeUnknownRevision}}}
		}
		return &sv.Draft, nil
	}
	rng := rand.New(rand.NewPCG(1, 1))
	submission := func() *surveys.Submission {
		var sub surveys.Submission
		b, _ := json.Marshal(simulate.Submission(def, 1, rng))
		if err := json.Unmarshal(b, &sub); err != nil {
			t.Fatal(err)
		}
		return &sub
	}
	first := submission()
	for i, want := range []bool{true, false} {
		got, err := a.Submit(ctx, sv, first, revisions)
		if err != nil || got.Created != want {
			t.Fatalf("submission %d: created %v, %v", i, got.Created, err)
		}
	}
	other := submission()
	other.SubmissionID = first.SubmissionID
	if _, err := a.Submit(ctx, sv, other, revisions); !errors.Is(err, app.ErrSubmissionConflict) {
		t.Fatalf("another answer under a stored id: %v", err)
	}
	for range 11 {
		if _, err := a.Submit(ctx, sv, submission(), revisions); err != nil {
			t.Fatal(err)
		}
	}

	if err := sv.Close(now); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSurvey(ctx, sv, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.AfterClose(ctx, sv); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Submit(ctx, sv, submission(), revisions); !errors.Is(err, app.ErrSurveyNotOpen) {
		t.Fatalf("a new submission after the close: %v", err)
	}
	if got, err := a.Submit(ctx, sv, first, revisions); err != nil || got.Created || got.Response == nil {
		t.Fatalf("a retry after the close: %+v, %v", got, err)
	}
	rel, err := a.Release(ctx, sv, nil)
	if err != nil || !rel.Final || rel.Collected != 12 || rel.N > 12 || 12-rel.N >= rel.K {
		t.Fatalf("release after the close: final %v, collected %d, released %d, %v", rel.Final, rel.Collected, rel.N, err)
	}
	r, err := a.Recount(ctx, sv.ID)
	if err != nil || len(r.Differences) != 0 || r.Recount.Responses != 12 || r.Paged != 12 {
		t.Fatalf("recount: %d responses, %d paged, differences %v (%v)", r.Recount.Responses, r.Paged, r.Differences, err)
	}
}
