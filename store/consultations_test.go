package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

func testConsultation(id, org string, created time.Time) *surveys.Consultation {
	return &surveys.Consultation{
		ID: id, OrgID: org, State: surveys.ConsultationDraft, CreatedAt: created, UpdatedAt: created,
		Definition: surveys.ConsultationDefinition{
			DefaultLanguage: "sv", Languages: []string{"sv"},
			Title: surveys.Text{"sv": "Samråd " + id}, Summary: surveys.Text{"sv": "Kort"},
			Background: surveys.Text{"sv": "## Bakgrund"}, Question: surveys.Text{"sv": "Vad?"},
			DecisionMaker: surveys.Text{"sv": "Nämnden"}, Surveys: []string{"s1"},
			ClosesAt: ptrTime(created.Add(48 * time.Hour)), DecisionExpectedBy: ptrTime(created.Add(96 * time.Hour)),
			Audience: surveys.Audience{MinAge: 12, Regions: []string{"SE"}},
		},
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// A consultation is stored and read back as it was; another organisation
// cannot read or save it; a save is checked against the version read.
func TestConsultationRoundTripAndVersions(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := testConsultation("c1", "org-a", t0)
	if err := st.CreateConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := st.Consultation(ctx, "org-a", "c1")
	if err != nil || got.Version != 1 || got.State != surveys.ConsultationDraft || got.PublicAt != nil ||
		got.Definition.Title["sv"] != "Samråd c1" || got.Definition.Audience.MinAge != 12 || !got.CreatedAt.Equal(t0) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := st.Consultation(ctx, "org-b", "c1"); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("another organisation's read: %v", err)
	}
	if err := got.Move(surveys.ConsultationOpen, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveConsultation(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("save: %v, version %d", err, got.Version)
	}
	stale := c // still at version 1
	stale.Definition.Title["sv"] = "Ändrad"
	if err := st.SaveConsultation(ctx, stale); !errors.Is(err, surveys.ErrConflict) || stale.Version != 1 {
		t.Fatalf("stale save: %v, version %d", err, stale.Version)
	}
	other := *got
	other.OrgID = "org-b"
	if err := st.SaveConsultation(ctx, &other); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("save as another organisation: %v", err)
	}
	pub, err := st.PublicConsultation(ctx, "c1")
	if err != nil || pub.State != surveys.ConsultationOpen || pub.OpenedAt == nil || pub.PublicAt == nil || pub.Definition.Title["sv"] != "Samråd c1" {
		t.Fatalf("public read %+v, %v", pub, err)
	}
	if _, err := st.PublicConsultation(ctx, "nope"); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

// Concurrent saves of one version: exactly one wins, through the store's
// per-document write discipline.
func TestConsultationConcurrentSaves(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	c := testConsultation("c1", "org-a", time.Now().UTC())
	if err := st.CreateConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := *c
			mine.Definition.Title = surveys.Text{"sv": fmt.Sprint("version ", i)}
			switch err := st.SaveConsultation(ctx, &mine); {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, surveys.ErrConflict):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d saves of version 1 won, want 1", wins.Load())
	}
	got, _ := st.Consultation(ctx, "org-a", "c1")
	if got.Version != 2 {
		t.Fatalf("version %d", got.Version)
	}
}

// An organisation's list: newest first, by state, paged without losing or
// repeating one, even when several were created in one millisecond.
func TestConsultationsListByOrgAndState(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var want []string
	for i := range 7 {
		at := t0.Add(time.Duration(i/3) * time.Minute) // three share each minute
		c := testConsultation(fmt.Sprintf("c%d", i), "org-a", at)
		if i%2 == 1 {
			if err := c.Move(surveys.ConsultationOpen, at); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.CreateConsultation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateConsultation(ctx, testConsultation("x", "org-b", t0)); err != nil {
		t.Fatal(err)
	}
	// Newest first: c6; then c3 c4 c5; then c0 c1 c2 (ids ascending within a time).
	want = []string{"c6", "c3", "c4", "c5", "c0", "c1", "c2"}
	for _, size := range []int{1, 2, 3, 7, 10} {
		var got []string
		var after store.ConsultationPage
		for range 20 {
			page, err := st.Consultations(ctx, "org-a", "", after, size)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				got = append(got, c.ID)
			}
			if len(page) < size {
				break
			}
			last := page[len(page)-1]
			after = store.ConsultationPage{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of %d: %v, want %v", size, got, want)
		}
	}
	open, err := st.Consultations(ctx, "org-a", surveys.ConsultationOpen, store.ConsultationPage{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range open {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []string{"c3", "c5", "c1"}) {
		t.Fatalf("open ones: %v", ids)
	}
}

// The app's list reads the listed states only, reuses what did not
// change, and sees a change of state at once.
func TestListedConsultations(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	states := []surveys.ConsultationState{surveys.ConsultationDraft, surveys.ConsultationOpen, surveys.ConsultationAnalysing,
		surveys.ConsultationDecided, surveys.ConsultationClosed}
	for i, target := range states {
		c := testConsultation(string(target), "org-a", t0)
		for _, s := range states[1 : i+1] {
			if err := c.Move(s, t0.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.CreateConsultation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	list, err := st.ListedConsultations(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	known := map[string]*surveys.Consultation{}
	for _, c := range list {
		ids = append(ids, c.ID)
		known[c.ID] = c
	}
	if !slices.Equal(ids, []string{"decided", "analysing", "open"}) { // the latest opened first
		t.Fatalf("listed %v", ids)
	}
	again, err := st.ListedConsultations(ctx, known)
	if err != nil || len(again) != 3 || again[0] != known["decided"] {
		t.Fatalf("unchanged consultations not reused: %v", err)
	}
	c, _ := st.Consultation(ctx, "org-a", "decided")
	if err := c.Move(surveys.ConsultationClosed, t0.Add(10*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	again, err = st.ListedConsultations(ctx, known)
	if err != nil || len(again) != 2 || again[0].ID != "analysing" {
		t.Fatalf("after closing: %v %v", again, err)
	}
}

// The updates feed: what became public after a moment, oldest change
// first, paged by (time, id), never a draft, nothing at or before since.
func TestConsultationUpdates(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := st.CreateConsultation(ctx, testConsultation("draft", "org-a", t0)); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a", "b", "c", "d"} {
		c := testConsultation(id, "org-a", t0)
		at := t0.Add(time.Duration(1+i/2) * time.Hour) // a, b at 11:00; c, d at 12:00
		if err := c.Move(surveys.ConsultationOpen, at); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateConsultation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(u []store.ConsultationUpdate) []string {
		var out []string
		for _, x := range u {
			out = append(out, x.ID)
		}
		return out
	}
	all, err := st.ConsultationUpdates(ctx, t0, "", 10)
	if err != nil || !slices.Equal(ids(all), []string{"a", "b", "c", "d"}) {
		t.Fatalf("all: %v %v", ids(all), err)
	}
	if !all[0].PublicAt.Equal(t0.Add(time.Hour)) || all[0].State != "open" || all[0].OutcomeAt != nil {
		t.Fatalf("entry %+v", all[0])
	}
	if got, _ := st.ConsultationUpdates(ctx, t0.Add(time.Hour), "", 10); !slices.Equal(ids(got), []string{"c", "d"}) {
		t.Fatalf("after 11:00: %v", ids(got))
	}
	if got, _ := st.ConsultationUpdates(ctx, t0.Add(2*time.Hour), "", 10); len(got) != 0 {
		t.Fatalf("after the last change: %v", ids(got))
	}
	// Pages of one: (time, id) positions walk every entry once.
	var walked []string
	since, after := t0, ""
	for range 10 {
		page, err := st.ConsultationUpdates(ctx, since, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		walked = append(walked, page[0].ID)
		since, after = page[0].PublicAt, page[0].ID
	}
	if !slices.Equal(walked, []string{"a", "b", "c", "d"}) {
		t.Fatalf("walked %v", walked)
	}
	// A change moves a consultation to the end of the feed.
	c, _ := st.Consultation(ctx, "org-a", "a")
	c.NoteOutcome(t0.Add(3 * time.Hour))
	if err := st.SaveConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ConsultationUpdates(ctx, t0.Add(2*time.Hour), "", 10)
	if !slices.Equal(ids(got), []string{"a"}) || got[0].OutcomeAt == nil {
		t.Fatalf("after the outcome: %+v", got)
	}
}
