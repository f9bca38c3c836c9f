// Command externaltests runs the whole test suite against an external
// database server, as `MONGODB_URI=... go test ./...` does, and then checks
// that no test left its database behind.
//
// Against a MongoDB replica set (what production uses):
//
//	go run ./scripts/externaltests -uri 'mongodb://host1,host2,host3/?replicaSet=rs0'
//
// Without -uri it builds scripts/ferretdb, starts it as a separate process
// on a free loopback port over a fresh temporary directory, runs the suite
// against it and stops it: the check that the suite keeps passing on an
// external server, on machines where MongoDB cannot run. Arguments after
// the flags go to go test (default ./...), for example
//
//	go run ./scripts/externaltests -- -count=1 ./store ./api
//
// It prints go test's output, then the number of tests that passed,
// failed and were skipped, the time taken, and the names of the databases
// the tests left; it exits 1 when a test failed or a database was left.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/scripts/internal/program"
)

// testDBPrefix is the prefix of the databases store/storetest makes.
const testDBPrefix = "youthvoice_test_"

func main() {
	program.Main("externaltests", func(ctx context.Context) error {
		err := run(ctx)
		if err != nil && !errors.As(err, new(program.Exit)) {
			return program.Exit{Code: 2, Err: err} // could not run, as opposed to tests that failed
		}
		return err
	})
}

func run(ctx context.Context) error {
	uri := flag.String("uri", "", "the external server's MongoDB URI (default: start scripts/ferretdb)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: go run ./scripts/externaltests [-uri URI] [-- go test arguments]")
		flag.PrintDefaults()
	}
	prof := program.Parse() // the profiles are of this program: the tests run in go test's processes
	if err := prof.Start(); err != nil {
		return err
	}
	defer prof.Stop()
	args := flag.Args()
	if len(args) == 0 {
		args = []string{"./..."}
	}
	target := *uri
	if target == "" {
		tmp, err := os.MkdirTemp("", "externaltests-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		u, stopServer, err := startFerretDB(ctx, tmp)
		if err != nil {
			return err
		}
		defer stopServer()
		target = u
	}

	client, err := mongo.Connect(options.Client().ApplyURI(target).SetTimeout(30 * time.Second))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", target, err)
	}
	defer client.Disconnect(context.WithoutCancel(ctx))
	before, err := testDatabases(ctx, client)
	if err != nil {
		return err
	}

	if len(before) > 0 {
		fmt.Fprintf(os.Stderr, "externaltests: %d test databases were there before the run (left by an earlier one): %s\n", len(before), strings.Join(before, ", "))
	}
	fmt.Fprintf(os.Stderr, "externaltests: MONGODB_URI=%s go test %s\n", redact(target), strings.Join(args, " "))
	start := time.Now()
	res, err := goTest(ctx, target, args)
	if err != nil {
		return err
	}
	took := time.Since(start).Round(time.Second)

	after, err := testDatabases(ctx, client)
	if err != nil {
		return err
	}
	var left []string
	for _, name := range after {
		if !slices.Contains(before, name) {
			left = append(left, name)
		}
	}

	fmt.Printf("\nexternaltests: %d tests passed, %d failed, %d skipped; %d packages failed; in %s (go test exit %d)\n",
		res.passed, len(res.failed), len(res.skipped), len(res.failedPkgs), took, res.exit)
	for _, name := range res.failedPkgs {
		fmt.Println("  FAIL package", name)
	}
	for _, name := range res.failed {
		fmt.Println("  FAIL", name)
	}
	for _, name := range res.skipped {
		fmt.Println("  SKIP", name)
	}
	for _, name := range left {
		fmt.Println("  database left behind:", name, collectionsOf(ctx, client, name))
	}
	if res.exit != 0 || len(res.failed) > 0 || len(res.failedPkgs) > 0 || len(left) > 0 {
		return program.Exit{Code: 1}
	}
	return nil
}

// startFerretDB builds scripts/ferretdb into dir and starts it on a free
// loopback port, with its files in dir. It returns the server's URI and a
// function that stops it.
func startFerretDB(ctx context.Context, dir string) (string, func(), error) {
	bin := filepath.Join(dir, "ferretdb")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./scripts/ferretdb")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", nil, fmt.Errorf("build scripts/ferretdb (run from the repository's root): %w", err)
	}
	uriFile := filepath.Join(dir, "uri")
	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-dir", data, "-uri-file", uriFile, "-quiet")
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopServer := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		b, err := os.ReadFile(uriFile)
		if err == nil {
			uri := strings.TrimSpace(string(b))
			fmt.Fprintf(os.Stderr, "externaltests: FerretDB (SQLite in %s) listening at %s, pid %d\n", data, uri, cmd.Process.Pid)
			return uri, stopServer, nil
		}
		select {
		case err := <-exited:
			return "", nil, fmt.Errorf("scripts/ferretdb exited before listening: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stopServer()
			return "", nil, errors.New("scripts/ferretdb did not listen within a minute")
		}
	}
}

type result struct {
	passed int
	// failed and skipped name tests, failedPkgs packages (a package fails
	// with its tests, or alone: a build error, a panic, a TestMain's check).
	failed, skipped, failedPkgs []string
	exit                        int
}

// goTest runs go test -json with MONGODB_URI set, prints the tests' output
// as go test would, and counts the results of tests (not of packages).
func goTest(ctx context.Context, uri string, args []string) (result, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-json"}, args...)...)
	cmd.Env = append(os.Environ(), "MONGODB_URI="+uri)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	var res result
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct {
			Action, Package, Test, Output string
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			fmt.Println(sc.Text()) // not an event: build output
			continue
		}
		switch ev.Action {
		case "output", "build-output":
			fmt.Print(ev.Output)
		case "pass":
			if ev.Test != "" {
				res.passed++
			}
		case "fail":
			if ev.Test == "" {
				res.failedPkgs = append(res.failedPkgs, ev.Package)
			} else {
				res.failed = append(res.failed, ev.Package+"."+ev.Test)
			}
		case "skip":
			if ev.Test != "" {
				res.skipped = append(res.skipped, ev.Package+"."+ev.Test)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return res, err
		}
		res.exit = exit.ExitCode()
	}
	return res, sc.Err()
}

// testDatabases lists the databases the tests make.
func testDatabases(ctx context.Context, client *mongo.Client) ([]string, error) {
	names, err := client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, testDBPrefix) {
			out = append(out, n)
		}
	}
	return out, nil
}

// collectionsOf names a left database's collections, which help find the
// test that made it.
func collectionsOf(ctx context.Context, client *mongo.Client, db string) string {
	names, err := client.Database(db).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return "(" + err.Error() + ")"
	}
	slices.Sort(names)
	return "(" + strings.Join(names, ", ") + ")"
}

// redact hides a password in the URI printed.
func redact(uri string) string {
	at := strings.LastIndex(uri, "@")
	scheme := strings.Index(uri, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return uri
	}
	return uri[:scheme+3] + "…" + uri[at:]
}
