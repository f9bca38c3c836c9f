package simulate_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// The seeder stores every response once, through group commit, and
// leaves the summary up to date with all of them, across several calls.
func TestSeederStoresAndTallies(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	org, _, err := st.CreateOrg(ctx, "seed test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sv := &surveys.Survey{ID: uuid.NewString(), OrgID: org.ID, Status: surveys.Draft, Draft: *def, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	rev, err := sv.Publish(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSurvey(ctx, sv, &rev); err != nil {
		t.Fatal(err)
	}
	key, err := st.SecretKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := simulate.NewSeeder(st, key, sv.ID, def, 1)
	for _, upTo := range []int{120, 300} {
		if err := s.SeedTo(ctx, upTo); err != nil {
			t.Fatal(err)
		}
		if s.Seeded != upTo {
			t.Fatalf("Seeded = %d, want %d", s.Seeded, upTo)
		}
		sum, err := st.Summary(ctx, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.CountResponses(ctx, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Tally.Responses != upTo || stored != int64(upTo) {
			t.Fatalf("after seeding to %d: summary %d, stored %d", upTo, sum.Tally.Responses, stored)
		}
	}
	s.Close()
}
