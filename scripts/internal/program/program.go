// Package program is how every program under scripts/ starts and ends:
// its command line parsed with the flags they all have (-cpuprofile,
// -memprofile), profiles written, the survey it runs named by an example's
// file name or a path, and an error printed with the program's name and
// exit status 1.
package program

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys"
)

// Main runs run with a context that ends on Ctrl-C or SIGTERM. When run
// fails it prints "name: error" and exits 1, or with the status an Exit
// error gives.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err == nil {
		return
	}
	code := 1
	var e Exit
	if errors.As(err, &e) {
		code, err = e.Code, e.Err
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	}
	os.Exit(code)
}

// Exit ends a program with status Code: a program that gives a verdict
// exits 1 when its check fails (Err nil: the report said why) and 2 when
// it could not run (Err).
type Exit struct {
	Code int
	Err  error
}

func (e Exit) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e Exit) Unwrap() error { return e.Err }

// Profiles are the profiles the command line asked for.
type Profiles struct {
	cpuPath, memPath string
	cpu              *os.File
}

// Parse parses the command line: the flags the program declared before,
// and -cpuprofile and -memprofile. It returns the profiles asked for, not
// yet started: most programs profile the whole run (Start at once, Stop
// deferred), some only the phase they measure.
func Parse() *Profiles {
	p := &Profiles{}
	flag.StringVar(&p.cpuPath, "cpuprofile", "", "write a CPU profile of the measured part of the run to this file")
	flag.StringVar(&p.memPath, "memprofile", "", "write a heap profile (after a garbage collection) at the end of the measured part to this file")
	flag.Parse()
	return p
}

// Start starts the CPU profile, if one was asked for.
func (p *Profiles) Start() error {
	if p.cpuPath == "" || p.cpu != nil {
		return nil
	}
	f, err := os.Create(p.cpuPath)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.cpu = f
	return nil
}

// Stop ends the CPU profile and writes the heap profile, if they were
// asked for.
func (p *Profiles) Stop() error {
	var errs []error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		errs = append(errs, p.cpu.Close())
		p.cpu = nil
	}
	if p.memPath != "" {
		errs = append(errs, writeHeap(p.memPath))
	}
	return errors.Join(errs...)
}

func writeHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // the heap as it stands, not as of the last collection
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Survey reads the survey a program runs: the file at path if there is
// one; else, when path is an example's file name, alone or under
// examples/surveys/, that example (package examples), so that the
// defaults work from any directory. It returns the definition as JSON (the
// body of POST /v1/org/surveys) and parsed.
func Survey(path string) ([]byte, *surveys.Definition, error) {
	b, err := os.ReadFile(path)
	name := filepath.Base(path)
	if errors.Is(err, os.ErrNotExist) && (path == name || filepath.ToSlash(path) == "examples/surveys/"+name) {
		if eb, eerr := examples.Survey(name); eerr == nil {
			b, err = eb, nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var def surveys.Definition
	if err := json.Unmarshal(b, &def); err != nil {
		return nil, nil, fmt.Errorf("survey %s: %w", path, err)
	}
	return b, &def, nil
}
