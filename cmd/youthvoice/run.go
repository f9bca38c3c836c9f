package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
)

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	var r remoteError
	if errors.As(err, &r) && r.code > 0 {
		return r.code
	}
	return 1
}

// cli is where a command runs: the process it was typed in, or, for a
// command forwarded to the running server (control.go), the connection it
// came on.
type cli struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	// argv is the command line after the program's name, as typed.
	argv []string
	// dir is the directory relative paths are resolved against: the
	// working directory of the process the command was typed in (empty:
	// this process's).
	dir string
	// server is set when the running server runs a forwarded command.
	server *serverSide
}

// serverSide is what a forwarded command uses of the running server.
type serverSide struct {
	st       *store.Store
	database string
	// app is the server's application layer: its Flush applies every
	// batch the server committed so far to the summaries.
	app *app.App
}

// path resolves a path the command was given.
func (c *cli) path(p string) string {
	if c.dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

// command is one of the program's commands.
type command struct {
	name  string
	about string // one line, for the list of commands
	run   func(ctx context.Context, c *cli, args []string) error
}

// moreCommands are commands written in files of their own, which add
// themselves from an init function (moreCommands = append(moreCommands,
// command{...})); help lists them after the others.
var moreCommands []command

// commands are the program's commands, in the order help lists them. (A
// function, not a variable: serve runs the control socket, which
// dispatches to the commands.)
func commands() []command {
	return append([]command{
		{"serve", "run the HTTP server (the default command; it makes the store on first start)", func(ctx context.Context, c *cli, args []string) error {
			return serve(ctx, args, c.getenv, c.stderr)
		}},
		{"org", "organisations: org create --name NAME | org list | org rename --id ID --name NAME", orgCmd},
		{"token", "API tokens: token create --org ID --role ROLE | token list --org ID | token revoke --id TOKEN_ID", tokenCmd},
		{"recount", "recount --survey ID [--fix]: recompute a summary from the stored responses", recountCmd},
		{"export", "export --survey ID --kind summary|responses --format csv|xlsx|json|pdf --out FILE: write an export", exportCmd},
	}, moreCommands...)
}

// writeUsage writes the program's help: every command, then serve's
// settings (serve is the default command, so its flags are the program's).
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: youthvoice [command] [flags]\n\nCommands:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.about)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "help", "this help")
	fmt.Fprint(w, `
Run "youthvoice COMMAND --help" for a command's flags. The commands other than
serve and demo use the store that serve made (--data-dir, default ./data, or
MONGODB_URI) and print which one on stderr; while serve runs on that data
directory they run inside it.

`)
	writeSettings(w, "serve", defaultConfig())
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// run is the whole program; main and the tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := &cli{getenv: getenv, stdout: stdout, stderr: stderr, argv: args}
	cmd := "serve"
	switch {
	case len(args) > 0 && isHelp(args[0]):
		cmd, args = "help", args[1:]
	case len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-':
		cmd, args = args[0], args[1:]
	default:
		c.argv = append([]string{cmd}, args...)
	}
	return dispatch(ctx, c, cmd, args)
}

// dispatch runs command cmd with its arguments, for run or for the control
// socket.
func dispatch(ctx context.Context, c *cli, name string, args []string) error {
	if name == "help" {
		writeUsage(c.stdout)
		return nil
	}
	all := commands()
	i := slices.IndexFunc(all, func(cmd command) bool { return cmd.name == name })
	if i < 0 {
		writeUsage(c.stderr)
		return usageError{"unknown command " + name}
	}
	err := all[i].run(ctx, c, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newLogger(w io.Writer, level string) *slog.Logger {
	l, _ := parseLevel(level) // checked by parseConfig
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// openStore opens the configured store.
// holder names the command in the data directory's lock (store/lock.go),
// for the refusal another process gets.
func openStore(ctx context.Context, holder string, cfg config, log *slog.Logger, countError func(string)) (*store.Store, error) {
	engineLevel, _ := parseLevel(cfg.StoreLogLevel)
	return store.Open(store.WithHolder(ctx, holder), store.Options{
		MongoURI:       cfg.MongoURI,
		Database:       cfg.Database,
		DataDir:        cfg.DataDir,
		Logger:         log,
		EngineLogLevel: engineLevel,
		CountError:     countError,
	})
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully:
// stop accepting, finish requests in flight (bounded), flush, close the
// store.
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, rest, err := parseConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, got %q", rest)}
	}
	// Demo data never mixes with real data: the demo's directory is served
	// only by the demo, which says it is demo data.
	if _, err := os.Stat(filepath.Join(cfg.DataDir, demoMarker)); cfg.MongoURI == "" && err == nil {
		return usageError{fmt.Sprintf("%s holds demo data (it has a %s file): serve it with \"youthvoice demo --dir %s\", or give serve another --data-dir", cfg.DataDir, demoMarker, cfg.DataDir)}
	}
	log := newLogger(stderr, cfg.LogLevel)
	catalog, err := i18n.New()
	if err != nil {
		return err
	}
	metrics := api.NewMetrics(version())
	st, err := openStore(ctx, "youthvoice serve", cfg, log, metrics.CountStoreError)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := st.Close(closeCtx); err != nil {
			log.Error("closing store", "error", err.Error())
		}
	}()
	log.Info("store ready", "store", st.Where())
	if cfg.BootstrapToken != "" {
		created, err := st.Bootstrap(ctx, cfg.BootstrapToken, time.Now())
		if err != nil {
			return err
		}
		if created {
			log.Info("created organisation \"default\" with the bootstrap token as its owner token")
		}
	}

	// The key of the keyed hashes: from the configuration when given (so
	// that a copy of the database alone cannot test a submission id against
	// the stored responses), else one kept in the database.
	hashKey := []byte(cfg.HashKey)
	if len(hashKey) == 0 {
		if hashKey, err = st.SecretKey(ctx); err != nil {
			return err
		}
	}
	srv := api.New(api.Options{
		Store: st, Catalog: catalog, Metrics: metrics, Logger: log, BodyLimit: cfg.BodyLimit,
		HashKey: hashKey, SubmitRateLimit: cfg.SubmitRate, ClientHeader: cfg.ClientHeader, TrustedProxies: cfg.TrustedProxies,
	})
	srv.RecoverAtStart(ctx)
	// On the embedded store this process alone opens the data directory:
	// the command line's commands run here, sent over the control socket.
	var ctl *controlServer
	if path := st.ControlSocket(); path != "" {
		ctl, err = startControl(ctx, path, &serverSide{st: st, database: cfg.Database, app: srv.App()}, log)
		if err != nil {
			return err
		}
		defer ctl.stop() // before the store closes (deferred earlier)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	background, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	go srv.RunCloser(background)
	go srv.RunSummarizer(background)

	var admin *http.Server
	if cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			_ = srv.Shutdown(context.WithoutCancel(ctx))
			return fmt.Errorf("listen on admin address %s: %w", cfg.AdminAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		admin = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := admin.Serve(aln); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		}()
		log.Info("admin listening", "addr", aln.Addr().String())
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-serveErr:
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if admin != nil {
		_ = admin.Shutdown(shutCtx)
	}
	if ctl != nil {
		ctl.stop() // cancels a forwarded command still running
	}
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Error("shutdown", "error", err.Error())
	}
	log.Info("stopped")
	return nil
}
