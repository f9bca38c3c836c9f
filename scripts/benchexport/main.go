// Command benchexport seeds a survey with responses, then exports them
// the way the CLI does, in a child process whose peak resident memory it
// reports: the response-level CSV, and the summary as CSV and XLSX.
//
//	go run ./scripts/benchexport [-n 100000]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchexport:", err)
		os.Exit(1)
	}
}

func run() error {
	total := flag.Int("n", 100000, "responses to seed")
	surveyFile := flag.String("survey", "examples/surveys/youth-policy-consultation.json", "survey definition")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchexport")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "youthvoice")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/youthvoice").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	st, err := store.Open(ctx, store.Options{DataDir: data, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		return err
	}
	defJSON, err := os.ReadFile(*surveyFile)
	if err != nil {
		return err
	}
	def, err := surveystest.Load(defJSON)
	if err != nil {
		return err
	}
	org, _, err := st.CreateOrg(ctx, "bench", time.Now())
	if err != nil {
		return err
	}
	sv := &surveys.Survey{ID: uuid.NewString(), OrgID: org.ID, Status: surveys.Draft, Draft: *def, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		return err
	}
	rev, err := sv.Publish(time.Now())
	if err != nil {
		return err
	}
	if err := st.SaveSurvey(ctx, sv, &rev); err != nil {
		return err
	}
	key, err := st.SecretKey(ctx)
	if err != nil {
		return err
	}
	sum := st.NewSummarizer(st.StoreDefinitions(), slog.New(slog.DiscardHandler))
	com := st.NewCommitter(500, 2*time.Millisecond, sum)
	start := time.Now()
	work := make(chan *surveys.Response, 1000)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				if err := com.Insert(ctx, r, def); err != nil {
					fmt.Fprintln(os.Stderr, "insert:", err)
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range *total {
		s := surveystest.Submission(def, 1, rng)
		raw, _ := json.Marshal(s["answers"])
		var answers map[string]json.RawMessage
		_ = json.Unmarshal(raw, &answers)
		r, err := surveys.NewResponse(key, sv.ID, def, &surveys.Submission{SubmissionID: uuid.NewString(), Revision: 1, Lang: s["lang"].(string), Answers: answers}, time.Now())
		if err != nil {
			return err
		}
		work <- r
		if i%10000 == 9999 {
			sum.Pass(ctx)
		}
	}
	close(work)
	wg.Wait()
	com.Close()
	sum.Pass(ctx)
	fmt.Printf("seeded %d responses in %s\n", *total, time.Since(start).Round(time.Second))
	if err := st.Close(ctx); err != nil {
		return err
	}

	fmt.Printf("\nbenchexport: %s, %d responses, GOMAXPROCS %d, %s\n\n| export | time | rows/s | bytes | peak RSS of the export process |\n|-|-|-|-|-|\n",
		*surveyFile, *total, runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.DateOnly))
	for _, e := range []struct{ kind, format string }{{"responses", "csv"}, {"summary", "csv"}, {"summary", "xlsx"}, {"summary", "pdf"}} {
		out := filepath.Join(dir, "out."+e.format)
		cmd := exec.Command(bin, "export", "--data-dir", data, "--survey", sv.ID, "--kind", e.kind, "--format", e.format, "--lang", "sv", "--out", out)
		cmd.Stderr = bufio.NewWriter(os.Stderr)
		t0 := time.Now()
		if b, err := cmd.Output(); err != nil {
			return fmt.Errorf("export %s %s: %v %s", e.kind, e.format, err, b)
		}
		elapsed := time.Since(t0)
		fi, _ := os.Stat(out)
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		rate := "-"
		if e.kind == "responses" {
			rate = fmt.Sprintf("%.0f", float64(*total)/elapsed.Seconds())
		}
		fmt.Printf("| %s %s | %s | %s | %d | %.0f MB |\n", e.kind, e.format, elapsed.Round(time.Millisecond), rate, fi.Size(), float64(rss)/1024)
	}
	return nil
}
