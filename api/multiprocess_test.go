package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// A national deployment runs several servers on one database. This test
// runs several independent servers (each with its own committer,
// summarizer, recovery and caches) sharing nothing but the store, under
// load from clients that retry, while servers crash and a survey closes,
// and ends with every summary equal to a recount and to what the clients
// were told.
//
// On the embedded store the servers are instances in this process sharing
// one Store, which gives them MongoDB's per-document atomicity (store
// atomic.go). YOUTHVOICE_TEST_UNSERIALISED=1 switches that off: the test
// then fails, losing counts, as several processes on a FerretDB server
// would. Against a standalone FerretDB server (MONGODB_URI) the test skips:
// that server does not give the atomicity several processes need.
func TestManyServersOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Queue times in steps of 10 ms instead of a minute, so that recovery
	// under load can take over batches that crashes left after a lease of
	// a second instead of two minutes.
	opts := storetest.Options(t)
	opts.QueueTimeStep = 10 * time.Millisecond
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if opts.MongoURI != "" {
			_ = st.Drop(ctx)
		}
		_ = st.Close(ctx)
	})
	if os.Getenv("YOUTHVOICE_TEST_UNSERIALISED") == "1" {
		st.SetSerialisedWrites(false)
	}
	atomicWrites, err := st.AtomicDocumentWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !atomicWrites && !st.Embedded() {
		t.Skip("this database is a FerretDB server, which applies conditional updates non-atomically: several processes cannot share it exactly (docs/deploy.md)")
	}

	const servers = 3
	c := newCluster(t, st, servers)
	admin := c.nodes[0].env
	openID, owner, openDef := publishExample(t, admin, "youth-policy-consultation.json")
	open := published{id: openID, file: "youth-policy-consultation.json", def: openDef}
	closing := createAndPublish(t, admin, owner, "safety-online-offline.json")

	// Clients: each sends its submissions to any live server, retrying the
	// same submission (same id) elsewhere until it gets an answer that
	// settles it, and now and then sends an acknowledged one again.
	clients, perClient := 6, 20
	if racetest.Enabled {
		clients, perClient = 4, 15
	}
	told := newTold(open, closing)
	wg := c.startClients(t, clients, perClient, 11, open, closing, told)

	// Meanwhile: servers crash (their summarizers stop at some step and
	// forget what they held, as a killed process does), others recover
	// what they left, and the second survey closes half-way through.
	stop := make(chan struct{})
	var chaos sync.WaitGroup
	chaos.Add(2)
	go func() {
		defer chaos.Done()
		for c.settled.Load() < int64(clients*perClient/4) {
			time.Sleep(10 * time.Millisecond)
		}
		c.nodes[2].crash()
		for c.settled.Load() < int64(clients*perClient/2) {
			time.Sleep(10 * time.Millisecond)
		}
		// The close waits for the server's summarizer, which a recovery
		// may hold for a while on a loaded machine: a patient client.
		closer := *c.nodes[1].env
		closer.Client = &http.Client{Timeout: 3 * time.Minute}
		if r := closer.Do("POST", "/v1/org/surveys/"+closing.id+"/close", nil, bearer(owner)...); r.Status != 200 {
			t.Errorf("close: %d %s", r.Status, r.Body)
		}
	}()
	go func() {
		defer chaos.Done()
		rng := rand.New(rand.NewPCG(7, 7))
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if n := c.nodes[rng.IntN(2)]; !n.dead.Load() {
				// A lease, as in production: a batch younger than it may
				// still be being stored by the server that queued it.
				api.RecoverSummaries(ctx, n.env.Server, time.Second)
			}
		}
	}()
	wg.Wait()
	close(stop)
	chaos.Wait()

	// The crashes stop, the crashed server is back (restarted), and then
	// come bursts: every server takes a few submissions, then all apply
	// them at the same moment, so that their writes to the same parts of
	// the summary meet (without per-document atomicity some are lost).
	c.calm.Store(true)
	c.nodes[2].dead.Store(false)
	rng := rand.New(rand.NewPCG(9, 9))
	rounds := 10
	if racetest.Enabled {
		rounds = 4
	}
	for range rounds {
		var burst sync.WaitGroup
		for i := range 18 {
			burst.Add(1)
			sub := simulate.Submission(open.def, 1, rng)
			body, _ := json.Marshal(sub)
			n := c.nodes[i%3]
			go func() {
				defer burst.Done()
				if status := c.submitTo(n, open.id, body); status != 201 {
					t.Errorf("burst submission: %d", status)
					return
				}
				told.add(open.id, sub["submission_id"].(string))
			}()
		}
		burst.Wait()
		for _, n := range c.nodes {
			burst.Add(1)
			go func() {
				defer burst.Done()
				n.env.Server.FlushSummaries(ctx)
			}()
		}
		burst.Wait()
	}

	// Every server flushes what it holds; then recovery applies what the
	// crashes left, as the next start would (no lease: nothing is being
	// stored any more).
	for _, n := range c.nodes {
		n.env.Server.FlushSummaries(ctx)
	}
	for range 20 {
		api.RecoverSummaries(ctx, c.nodes[0].env.Server, 0)
		if n, err := st.QueueLength(ctx); err != nil || n == 0 {
			break
		}
	}
	if n, err := st.QueueLength(ctx); err != nil || n != 0 {
		t.Fatalf("%d batches still queued after recovery (%v)", n, err)
	}

	checkExact(t, st, told.ids, open, closing)
	if q := c.crashes.Load(); q == 0 {
		t.Error("no summarizer step crashed: the test did not test recovery")
	}
}

// toldSet is, per survey, the submission ids the clients were told were
// stored.
type toldSet struct {
	mu  sync.Mutex
	ids map[string]map[string]bool
}

func newTold(svs ...published) *toldSet {
	t := &toldSet{ids: map[string]map[string]bool{}}
	for _, sv := range svs {
		t.ids[sv.id] = map[string]bool{}
	}
	return t
}

func (t *toldSet) add(surveyID, submissionID string) {
	t.mu.Lock()
	t.ids[surveyID][submissionID] = true
	t.mu.Unlock()
}

// startClients starts n clients, each sending perClient submissions (a
// third of them to the closing survey) to any live server, retrying the
// same submission elsewhere until it is settled, and now and then sending
// an acknowledged one again, which must answer 200. Wait on the group.
func (c *cluster) startClients(t *testing.T, n, perClient int, seed uint64, open, closing published, told *toldSet) *sync.WaitGroup {
	var wg sync.WaitGroup
	for cl := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(cl), seed))
			for range perClient {
				sv := open
				if rng.IntN(3) == 0 {
					sv = closing
				}
				sub := simulate.Submission(sv.def, 1, rng)
				body, _ := json.Marshal(sub)
				if c.submit(t, rng, sv.id, body) == 409 {
					continue // the survey closed before this one arrived
				}
				told.add(sv.id, sub["submission_id"].(string))
				if rng.IntN(10) == 0 {
					if again := c.submit(t, rng, sv.id, body); again != 200 {
						t.Errorf("a retry of a stored submission: %d, want 200", again)
					}
				}
			}
		}()
	}
	return &wg
}

// checkExact checks that each survey's summary is its recount, and holds
// exactly the submissions its clients were told were stored; the second
// survey's release is frozen (it was closed).
func checkExact(t *testing.T, st *store.Store, told map[string]map[string]bool, open, closing published) {
	t.Helper()
	ctx := context.Background()
	for _, sv := range []published{open, closing} {
		sum, err := st.SummaryCells(ctx, sv.id, true)
		if err != nil {
			t.Fatal(err)
		}
		recount, err := st.Recount(ctx, sv.id, st.StoreDefinitions())
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.CountResponses(ctx, sv.id)
		if err != nil {
			t.Fatal(err)
		}
		want := len(told[sv.id])
		t.Logf("survey %s: told %d, stored %d, summary %d, recount %d, release %d, frozen %v",
			sv.file, want, stored, sum.Tally.Responses, recount.Responses, sum.ReleaseN, sum.Frozen)
		if int(stored) != want || recount.Responses != want || sum.Tally.Responses != want {
			t.Errorf("%s: told %d, stored %d, recount %d, summary %d", sv.file, want, stored, recount.Responses, sum.Tally.Responses)
		}
		if d := surveys.TallyDifferences(sum.Tally, recount); len(d) > 0 || !reflect.DeepEqual(sum.Tally, recount) {
			t.Errorf("%s: summary differs from the recount: %v", sv.file, d)
		}
		if sum.ReleaseN > sum.Tally.Responses {
			t.Errorf("%s: release of %d > %d collected", sv.file, sum.ReleaseN, sum.Tally.Responses)
		}
	}
	if sum, _ := st.Summary(ctx, closing.id); !sum.Frozen {
		t.Error("the closed survey's release is not frozen")
	}
}

type published struct {
	id, file string
	def      *surveys.Definition
}

// createAndPublish publishes an example survey for an existing owner.
func createAndPublish(t testing.TB, e *apitest.Env, owner, file string) published {
	t.Helper()
	b, err := examples.Survey(file)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/v1/org/surveys", b, append(bearer(owner), "Content-Type", "application/json")...)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	publishSurvey(t, e, owner, id)
	def, err := surveystest.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return published{id: id, file: file, def: def}
}

// cluster is the harness's servers.
type cluster struct {
	nodes   []*node
	client  *http.Client
	crashes atomic.Int64
	settled atomic.Int64 // submissions settled
	calm    atomic.Bool  // no more injected crashes
}

type node struct {
	env  *apitest.Env                  // a server in this process, or
	proc atomic.Pointer[serverProcess] // a server process (restarted: another)
	dead atomic.Bool
}

// url is where the node answers.
func (n *node) url() string {
	if p := n.proc.Load(); p != nil {
		return p.url()
	}
	return n.env.URL
}

// crash stops the node as a killed process stops: its summarizer never
// applies anything again (what it holds is left to recovery elsewhere),
// and the clients' balancer takes it out.
func (n *node) crash() { n.dead.Store(true) }

func newCluster(t *testing.T, st *store.Store, servers int) *cluster {
	c := &cluster{client: &http.Client{Timeout: 30 * time.Second}}
	for i := range servers {
		n := &node{}
		rng := rand.New(rand.NewPCG(uint64(i), 3))
		var rmu sync.Mutex
		steps := 0
		n.env = apitest.New(t, apitest.Options{Store: st, Configure: func(o *api.Options) {
			o.SubmitRateLimit = 0
			o.SharedDatabase = true
		}, Prepare: func(s *api.Server) {
			api.SetSummaryFaults(s, func(step string) error {
				if n.dead.Load() {
					return errors.New("crashed")
				}
				if c.calm.Load() {
					return nil
				}
				// Each server's third step crashes, whatever the load did
				// (on a fast machine a pass takes many batches at once,
				// and a one-in-forty chance alone may never come), and
				// after it one step in forty.
				rmu.Lock()
				steps++
				crash := steps == 3 || rng.IntN(40) == 0
				rmu.Unlock()
				if crash {
					c.crashes.Add(1)
					return fmt.Errorf("injected crash at %s", step)
				}
				return nil
			})
		}})
		c.nodes = append(c.nodes, n)
	}
	return c
}

// submitTo sends one submission to one server, and returns the status.
func (c *cluster) submitTo(n *node, surveyID string, body []byte) int {
	resp, err := c.client.Post(n.url()+"/v1/surveys/"+surveyID+"/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// submit sends one submission to live servers until one settles it: 201
// or 200 (stored), 409 (refused: the survey closed). Anything else is
// tried again elsewhere, as the app does.
func (c *cluster) submit(t *testing.T, rng *rand.Rand, surveyID string, body []byte) int {
	for range 20 {
		n := c.nodes[rng.IntN(len(c.nodes))]
		if n.dead.Load() {
			continue
		}
		resp, err := c.client.Post(n.url()+"/v1/surveys/"+surveyID+"/responses", "application/json", bytes.NewReader(body))
		if err != nil {
			continue
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case 200, 201, 409:
			c.settled.Add(1)
			return resp.StatusCode
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("no server settled a submission to %s", surveyID)
	return 0
}

// A survey closed through one server is closed on every other at once:
// a server that had it cached as open checks its version before it takes
// a submission (without that check it took them for up to two seconds).
func TestCloseIsSeenAtOnceByOtherServers(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	shared := apitest.Options{Store: st, Configure: func(o *api.Options) { o.SharedDatabase = true }}
	a, b := apitest.New(t, shared), apitest.New(t, shared)
	id, owner, def := publishExample(t, a, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(4, 4))
	if r := b.Do("POST", "/v1/surveys/"+id+"/responses", simulate.Submission(def, 1, rng)); r.Status != 201 {
		t.Fatalf("before the close: %d %s", r.Status, r.Body)
	}
	if r := a.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	r := b.Do("POST", "/v1/surveys/"+id+"/responses", simulate.Submission(def, 1, rng))
	if r.Status != 409 || problemOf(t, r).Type != "urn:youthvoice:problem:survey_not_open" {
		t.Fatalf("after the close, through the other server: %d %s", r.Status, r.Body)
	}
}
