// Command benchexport seeds a survey with responses, then exports them
// the way the CLI does, in a child process whose peak resident memory it
// reports: the response-level CSV and XLSX, and the summary as CSV, XLSX
// and PDF.
//
//	go run ./scripts/benchexport [-n 100000]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/scripts/internal/program"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

func main() { program.Main("benchexport", run) }

func run(ctx context.Context) error {
	total := flag.Int("n", 100000, "responses to seed")
	surveyFile := flag.String("survey", "examples/surveys/youth-policy-consultation.json", "survey definition (a file, or an example's file name)")
	keep := flag.Bool("keep", false, "keep the seeded data directory and binary (printed) for further measurements")
	prof := program.Parse()
	_, def, err := program.Survey(*surveyFile)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "benchexport")
	if err != nil {
		return err
	}
	if *keep {
		defer fmt.Printf("\nkept %s (binary %s/youthvoice, data %s/data)\n", dir, dir, dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "youthvoice")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/youthvoice").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	st, err := store.Open(ctx, store.Options{DataDir: data, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		return err
	}
	org, owner, err := st.CreateOrg(ctx, "bench", time.Now())
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
	// The profiles are of the seeding; the exports run in the built binary.
	if err := prof.Start(); err != nil {
		return err
	}
	start := time.Now()
	seeder := simulate.NewSeeder(st, key, sv.ID, def, 2)
	if err := seeder.SeedTo(ctx, *total); err != nil {
		return err
	}
	seeder.Close()
	if err := prof.Stop(); err != nil {
		return err
	}
	fmt.Printf("seeded %d responses in %s\n", *total, time.Since(start).Round(time.Second))
	if err := st.Close(ctx); err != nil {
		return err
	}

	fmt.Printf("\nbenchexport: %s, %d responses, GOMAXPROCS %d, %s\n\n| export | time | rows/s | bytes | peak RSS of the export process |\n|-|-|-|-|-|\n",
		*surveyFile, *total, runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.DateOnly))
	for _, e := range []struct{ kind, format string }{{"responses", "csv"}, {"responses", "xlsx"}, {"summary", "csv"}, {"summary", "xlsx"}, {"summary", "pdf"}} {
		out := filepath.Join(dir, "out."+e.format)
		// GNU time reports the child's own peak resident memory. (wait4's
		// ru_maxrss is no good here: a forked child starts with its parent's
		// high-water mark, and this parent has just seeded the store.)
		rssFile := filepath.Join(dir, "rss")
		cmd := exec.Command("/usr/bin/time", "-f", "%M", "-o", rssFile,
			bin, "export", "--data-dir", data, "--survey", sv.ID, "--kind", e.kind, "--format", e.format, "--lang", "sv", "--out", out)
		cmd.Stderr = bufio.NewWriter(os.Stderr)
		t0 := time.Now()
		if b, err := cmd.Output(); err != nil {
			return fmt.Errorf("export %s %s: %v %s (needs GNU time at /usr/bin/time)", e.kind, e.format, err, b)
		}
		elapsed := time.Since(t0)
		fi, _ := os.Stat(out)
		rssText, _ := os.ReadFile(rssFile)
		rss, _ := strconv.Atoi(strings.TrimSpace(string(rssText))) // KiB
		rate := "-"
		if e.kind == "responses" {
			rate = fmt.Sprintf("%.0f", float64(*total)/elapsed.Seconds())
		}
		fmt.Printf("| %s %s | %s | %s | %d | %.0f MB |\n", e.kind, e.format, elapsed.Round(time.Millisecond), rate, fi.Size(), float64(rss)/1024)
	}
	return httpExport(bin, data, sv.ID, owner, *total)
}

// httpExport measures the response CSV export through the API of a
// running server: the time of the download, and the server's resident
// memory before it and at its peak (VmHWM).
func httpExport(bin, data, surveyID, token string, total int) error {
	cmd := exec.Command(bin, "serve", "--data-dir", data, "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	listening := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	sc := bufio.NewScanner(stderr)
	addr := ""
	for addr == "" && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		return fmt.Errorf("serve: no listening line")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	memory := func(field string) float64 {
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, field+":"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
				return float64(kb) / 1024
			}
		}
		return 0
	}
	before := memory("VmRSS")
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/org/surveys/"+surveyID+"/export?kind=responses&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	elapsed := time.Since(t0)
	if err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("http export: %d %v", resp.StatusCode, err)
	}
	fmt.Printf("\nthrough the API (GET /v1/org/surveys/{id}/export?kind=responses, from a running server):\n\n"+
		"| export | time | rows/s | bytes | server RSS before | server peak RSS |\n|-|-|-|-|-|-|\n"+
		"| responses csv | %s | %.0f | %d | %.0f MB | %.0f MB |\n",
		elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), n, before, memory("VmHWM"))
	return nil
}
