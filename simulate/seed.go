package simulate

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Seeder stores generated responses to one survey the way the server
// does: validated and scrubbed (surveys.NewResponse), through the store's
// group commit and tally queue, tallied by its summarizer.
type Seeder struct {
	st       *store.Store
	key      []byte
	surveyID string
	def      *surveys.Definition
	rng      *rand.Rand
	sum      *store.Summarizer
	com      *store.Committer
	// Seeded counts the responses stored so far.
	Seeded int
}

// NewSeeder prepares to seed responses to revision 1 of a survey.
func NewSeeder(st *store.Store, key []byte, surveyID string, def *surveys.Definition, seed uint64) *Seeder {
	sum := st.NewSummarizer(st.StoreDefinitions(), slog.New(slog.DiscardHandler))
	return &Seeder{st: st, key: key, surveyID: surveyID, def: def, rng: rand.New(rand.NewPCG(seed, seed)),
		sum: sum, com: st.NewCommitter(500, 2*time.Millisecond, sum)}
}

// SeedTo stores responses until Seeded reaches upTo, from 64 concurrent
// writers, and brings the summary up to date.
func (s *Seeder) SeedTo(ctx context.Context, upTo int) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	work := make(chan *surveys.Response, 1000)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				if err := s.com.Insert(ctx, r, s.def); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	var err error
	for ; s.Seeded < upTo && err == nil; s.Seeded++ {
		sub := Submission(s.def, 1, s.rng)
		raw, _ := json.Marshal(sub["answers"])
		var answers map[string]json.RawMessage
		_ = json.Unmarshal(raw, &answers)
		var r *surveys.Response
		r, err = surveys.NewResponse(s.key, s.surveyID, s.def,
			&surveys.Submission{SubmissionID: uuid.NewString(), Revision: 1, Lang: sub["lang"].(string), Answers: answers}, time.Now())
		if err == nil {
			work <- r
		}
		if s.Seeded%5000 == 4999 {
			s.sum.Pass(ctx)
		}
	}
	close(work)
	wg.Wait()
	s.sum.Pass(ctx)
	if err != nil {
		return err
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// Close stops the seeder's committer.
func (s *Seeder) Close() { s.com.Close(); s.sum.Pass(context.Background()) }
