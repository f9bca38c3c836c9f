package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// storeCommand describes, for its --help, a command that works on the
// store.
type storeCommand struct {
	usage string // its arguments: "--name NAME"
	about string // what it does, one line
	// mayCreate: the command takes --create-store, which lets it make a
	// new embedded store where there is none (org create: the first
	// organisation before the server ever ran). Without it no command but
	// serve makes a store.
	mayCreate bool
}

// storeCommands are the commands that work on the store, by name.
var storeCommands = map[string]storeCommand{
	"org create":            {"--name NAME", "Creates an organisation and prints its id and first owner token.", true},
	"org list":              {"", "Lists the organisations: id, name, when created, live tokens.", false},
	"org rename":            {"--id ID --name NAME", "Renames an organisation (audited); those it shares surveys with see the new name.", false},
	"token create":          {"--org ID --role owner|editor|analyst [--name NAME]", "Creates an API token of an organisation and prints its secret, once.", false},
	"token list":            {"--org ID", "Lists an organisation's tokens: id, role, name, created, revoked (never a secret).", false},
	"token revoke":          {"--id TOKEN_ID", "Revokes a token (not an organisation's last live owner token).", false},
	"recount":               {"--survey ID [--fix]", "Recomputes a survey's summary from its stored responses and checks the response pages.", false},
	"export":                {"--survey ID --kind summary|responses --format csv|xlsx|json|pdf [--lang LANG] [--level 90|95|99] [--weighted] --out FILE", "Writes a survey's summary or responses to a file.", false},
	"survey import":         {"--org ID [--dry-run] FILE", "Creates a draft survey of an organisation from an XLSForm workbook (.xlsx) and prints its id and the warnings, or the workbook's problems row by row.", false},
	"survey export-xlsform": {"--survey ID --out FILE", "Writes a survey's current definition as an XLSForm workbook (.xlsx), which survey import reads back.", false},
}

// storeArgs are the arguments a command takes after its flags (survey
// import: FILE); the others take none.
var storeArgs = map[string]int{"survey import": 1}

// withStore parses the common settings plus a command's own flags, says
// on stderr which store the command uses, opens it, runs fn and closes it.
// It never makes a new embedded store by accident: a data directory with
// no store in it is refused, naming the directory (noStoreError), unless
// the command takes --create-store and is given it. When `youthvoice
// serve` holds the embedded store's data directory (only one process may
// open it), the command line is sent to that server, which runs this same
// function against its own store (control.go); on MongoDB every process
// opens the database itself.
func withStore(ctx context.Context, c *cli, name string, args []string,
	own func(fs *flag.FlagSet), fn func(st *store.Store) error) error {
	sc := storeCommands[name]
	cfg := defaultConfig()
	fs := flag.NewFlagSet("youthvoice "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	own(fs)
	var create bool
	if sc.mayCreate {
		fs.BoolVar(&create, "create-store", false, "make a new embedded store in the data directory if it holds none (otherwise only serve makes one)")
	}
	for _, s := range cfg.settings() {
		if v := c.getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				return fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
		if s.flag == "data-dir" || s.flag == "mongodb-uri" || s.flag == "database" {
			fs.Var(s.value, s.flag, s.usage+" (env "+s.env+")")
		}
	}
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: youthvoice %s %s\n\n%s\n\nFlags:\n", name, sc.usage, sc.about)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > storeArgs[name] {
		return usageError{fmt.Sprintf("%s: unexpected arguments %q", name, fs.Args())}
	}
	if c.server != nil {
		if cfg.Database != c.server.database {
			return fmt.Errorf("the running youthvoice serve (pid %d) uses database %q, not %q: stop it to use another", os.Getpid(), c.server.database, cfg.Database)
		}
		return fn(c.server.st)
	}
	where, err := checkStore(ctx, cfg, create, sc.mayCreate)
	if err != nil {
		return err
	}
	log := newLogger(c.stderr, "warn")
	st, err := openStore(ctx, "youthvoice "+name, cfg, log, nil)
	var inUse *store.DirInUseError
	if errors.As(err, &inUse) {
		return forward(ctx, c, inUse, cfg.Database, where)
	}
	if err != nil {
		return err
	}
	defer st.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(c.stderr, "store: %s\n", where)
	return fn(st)
}

// noStoreError: the configured store holds no database, and the command
// may not make one.
type noStoreError struct {
	where     string // the data directory, or the MongoDB server
	missing   string // what is not there
	mongo     bool
	mayCreate bool
}

func (e noStoreError) Error() string {
	msg := fmt.Sprintf("no YouthVoice store in %s (there is no %s): run the command in the directory that holds the server's data directory, or name it with --data-dir DIR (or YOUTHVOICE_DATA_DIR); `youthvoice serve` makes a new store", e.where, e.missing)
	if e.mongo {
		msg = fmt.Sprintf("no YouthVoice store on %s (there is no %s): name the server's database with --database NAME (or YOUTHVOICE_DATABASE); `youthvoice serve` makes a new one", e.where, e.missing)
	}
	if e.mayCreate {
		msg += ", and so does this command with --create-store"
	}
	return msg
}

// checkStore says which store cfg names ("embedded store in /abs/data,
// database youthvoice"; "MongoDB host:27017, database youthvoice", without
// credentials) and checks that it holds the database, without making
// anything (store.Exists): only the first start of serve makes one. create
// allows a new one; mayCreate says whether the refusal may suggest it.
func checkStore(ctx context.Context, cfg config, create, mayCreate bool) (string, error) {
	var where string
	var missing noStoreError
	if cfg.MongoURI != "" {
		host := "(unparsable URI)"
		if u, err := url.Parse(cfg.MongoURI); err == nil {
			host = u.Host // never u.User: the password
		}
		where = fmt.Sprintf("MongoDB %s, database %s", host, cfg.Database)
		missing = noStoreError{where: "MongoDB " + host, missing: "database " + cfg.Database, mongo: true, mayCreate: mayCreate}
	} else {
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("data directory %q: %w", dir, err)
		}
		cfg.DataDir = abs
		where = fmt.Sprintf("embedded store in %s, database %s", abs, cfg.Database)
		missing = noStoreError{where: abs, missing: store.DatabaseFile(cfg.Database), mayCreate: mayCreate}
	}
	ok, err := store.Exists(ctx, store.Options{MongoURI: cfg.MongoURI, DataDir: cfg.DataDir, Database: cfg.Database})
	switch {
	case err != nil:
		return "", err
	case ok:
		return where, nil
	case create:
		return where + " (new)", nil
	}
	return "", missing
}

// catchUp brings the summaries up to date before a command reads them: in
// the server, every batch it committed; elsewhere the batches a crashed
// server left untallied (and their responses unpaged), those older than
// the lease only, since a server on the same MongoDB may be writing one
// now.
func (c *cli) catchUp(ctx context.Context, a *app.App) {
	if c.server != nil {
		a.Flush(ctx)
		return
	}
	a.Recover(ctx)
}

// workflows is the application layer a command uses: the running
// server's, when the command runs inside it, else one of its own on st,
// which done shuts down.
func (c *cli) workflows(st *store.Store) (a *app.App, done func()) {
	if c.server != nil {
		return c.server.app, func() {}
	}
	a = app.New(app.Options{Store: st, Logger: newLogger(c.stderr, "warn")})
	return a, func() { a.Shutdown(context.Background()) }
}

// subcommand picks the subcommand of a command with several (org,
// token): args[0], one of subs. Without one, or with --help, it lists
// them (on stdout when asked for, as a usage error otherwise).
func subcommand(c *cli, cmd string, args []string, subs ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n")
	for _, sub := range subs {
		sc := storeCommands[cmd+" "+sub]
		fmt.Fprintf(&b, "  %s\n      %s\n", strings.TrimSpace("youthvoice "+cmd+" "+sub+" "+sc.usage), sc.about)
	}
	fmt.Fprintf(&b, "Run \"youthvoice %s SUBCOMMAND --help\" for its flags.", cmd)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(c.stdout, b.String())
		return "", flag.ErrHelp
	}
	if len(args) == 0 || !slices.Contains(subs, args[0]) {
		fmt.Fprintln(c.stderr, b.String())
		return "", usageError{fmt.Sprintf("%s: name one of %s", cmd, strings.Join(subs, ", "))}
	}
	return args[0], nil
}

// orgCmd: youthvoice org create --name NAME | org list | org rename --id ID --name NAME
func orgCmd(ctx context.Context, c *cli, args []string) error {
	sub, err := subcommand(c, "org", args, "create", "list", "rename")
	if err != nil {
		return err
	}
	var id, name string
	switch sub {
	case "list":
		return withStore(ctx, c, "org list", args[1:], func(*flag.FlagSet) {}, func(st *store.Store) error {
			return listOrgs(ctx, c, st)
		})
	case "rename":
		return withStore(ctx, c, "org rename", args[1:], func(fs *flag.FlagSet) {
			fs.StringVar(&id, "id", "", "the organisation's id (see org list)")
			fs.StringVar(&name, "name", "", "its new name")
		}, func(st *store.Store) error {
			if id == "" {
				return usageError{"org rename: --id is required"}
			}
			if _, err := app.ValidateOrgName(name, "--name"); err != nil {
				return usageError{"org rename: " + orgNameProblem(err)}
			}
			a, done := c.workflows(st)
			defer done()
			old, err := st.Org(ctx, id)
			if err != nil {
				return fmt.Errorf("organisation %q: %w", id, err)
			}
			org, err := a.RenameOrg(ctx, id, "cli", name)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "renamed organisation %s: %q -> %q\n", org.ID, old.Name, org.Name)
			return nil
		})
	}
	return withStore(ctx, c, "org create", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the organisation's name")
	}, func(st *store.Store) error {
		name, err := app.ValidateOrgName(name, "--name")
		if err != nil {
			return usageError{"org create: " + orgNameProblem(err)}
		}
		org, secret, err := st.CreateOrg(ctx, name, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "organisation: %s\nowner token:  %s\n(the token is shown only now; keep it safe)\n", org.ID, secret)
		return nil
	})
}

// orgNameProblem says what is wrong with a name app.ValidateOrgName
// refused, for the command line (which speaks English).
func orgNameProblem(err error) string {
	var ve *surveys.ValidationError
	if errors.As(err, &ve) && len(ve.Errors) > 0 {
		switch ve.Errors[0].Code {
		case surveys.CodeRequired:
			return "--name is required"
		case surveys.CodeTooLong:
			return fmt.Sprintf("--name may have at most %d characters", store.MaxOrgNameLength)
		case app.CodeOrgName:
			return "--name must be one line of plain text (no control characters, line breaks or text-direction overrides)"
		}
	}
	return err.Error()
}

// listOrgs prints the organisations, one a line, with their live tokens.
func listOrgs(ctx context.Context, c *cli, st *store.Store) error {
	orgs, more, err := st.Orgs(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tCREATED\tLIVE TOKENS")
	for _, o := range orgs {
		toks, err := st.Tokens(ctx, o.ID)
		if err != nil {
			return err
		}
		live := 0
		for _, t := range toks {
			if t.RevokedAt == nil {
				live++
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", o.ID, o.Name, o.CreatedAt.UTC().Format(time.RFC3339), live)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(c.stdout, "(only the first %d organisations)\n", store.MaxOrgs)
	}
	return nil
}

// tokenCmd: youthvoice token create --org ID --role ROLE | token list --org ID | token revoke --id TOKEN_ID
func tokenCmd(ctx context.Context, c *cli, args []string) error {
	sub, err := subcommand(c, "token", args, "create", "list", "revoke")
	if err != nil {
		return err
	}
	var orgID, role, name, id string
	switch sub {
	case "create":
		return withStore(ctx, c, "token create", args[1:], func(fs *flag.FlagSet) {
			fs.StringVar(&orgID, "org", "", "organisation id")
			fs.StringVar(&role, "role", "", "owner, editor or analyst")
			fs.StringVar(&name, "name", "", "a name to recognise the token by")
		}, func(st *store.Store) error {
			if !surveys.Role(role).Valid() {
				return usageError{"token create: --role must be owner, editor or analyst"}
			}
			if _, err := st.Org(ctx, orgID); err != nil {
				return fmt.Errorf("organisation %q: %w", orgID, err)
			}
			// The workflow the API and the console run (checked, stored,
			// audited), on behalf of the command line ("cli" in the log).
			a, done := c.workflows(st)
			defer done()
			t, secret, err := a.CreateToken(ctx, surveys.Token{ID: "cli", OrgID: orgID}, surveys.Role(role), name, [2]string{"--role", "--name"})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "token id: %s\nrole:     %s\ntoken:    %s\n(the token is shown only now; keep it safe)\n", t.ID, t.Role, secret)
			return nil
		})
	case "list":
		return withStore(ctx, c, "token list", args[1:], func(fs *flag.FlagSet) {
			fs.StringVar(&orgID, "org", "", "organisation id (see org list)")
		}, func(st *store.Store) error {
			if orgID == "" {
				return usageError{"token list: --org is required"}
			}
			if _, err := st.Org(ctx, orgID); err != nil {
				return fmt.Errorf("organisation %q: %w", orgID, err)
			}
			toks, err := st.Tokens(ctx, orgID)
			if err != nil {
				return err
			}
			// The secrets are not kept (only their hashes, never shown).
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tROLE\tNAME\tCREATED\tREVOKED")
			for _, t := range toks {
				revoked := "-"
				if t.RevokedAt != nil {
					revoked = t.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Name, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
			}
			return w.Flush()
		})
	}
	return withStore(ctx, c, "token revoke", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "the token's id (not its secret; see token list)")
	}, func(st *store.Store) error {
		// The operator names a token of any organisation: the workflow
		// (revoked, audited in that organisation's log) runs for it.
		owner, err := st.Token(ctx, id)
		if err != nil {
			return fmt.Errorf("token %q: %w", id, err)
		}
		a, done := c.workflows(st)
		defer done()
		t, err := a.RevokeToken(ctx, surveys.Token{ID: "cli", OrgID: owner.OrgID}, id)
		if err != nil {
			return fmt.Errorf("token %q: %w", id, err)
		}
		fmt.Fprintf(c.stdout, "revoked token %s (%s) at %s\n", t.ID, t.Role, t.RevokedAt.Format(time.RFC3339))
		return nil
	})
}

// recountCmd: youthvoice recount --survey ID [--fix]: compares the summary
// and the response pages with the stored responses.
func recountCmd(ctx context.Context, c *cli, args []string) error {
	var surveyID string
	var fix bool
	return withStore(ctx, c, "recount", args, func(fs *flag.FlagSet) {
		fs.StringVar(&surveyID, "survey", "", "the survey's id")
		fs.BoolVar(&fix, "fix", false, "replace the summary with the recount, and rebuild the response pages, when they differ (stop the server first)")
	}, func(st *store.Store) error {
		if surveyID == "" {
			return usageError{"recount: --survey is required"}
		}
		sv, err := st.PublicSurvey(ctx, surveyID)
		if err != nil {
			return fmt.Errorf("survey %q: %w", surveyID, err)
		}
		if fix && c.server != nil {
			return fmt.Errorf("recount --fix replaces the summary that the running youthvoice serve (pid %d) keeps updating: stop it first", os.Getpid())
		}
		a, done := c.workflows(st)
		defer done()
		c.catchUp(ctx, a)
		r, err := a.Recount(ctx, surveyID)
		if err != nil {
			return err
		}
		var problems []string
		if len(r.Differences) == 0 {
			fmt.Fprintf(c.stdout, "summary matches a recount of %d responses\n", r.Recount.Responses)
		} else {
			fmt.Fprintf(c.stdout, "summary differs from a recount (summary %d responses, recount %d):\n", r.Summary.Tally.Responses, r.Recount.Responses)
			for _, d := range r.Differences {
				fmt.Fprintln(c.stdout, "  "+d)
			}
			problems = append(problems, "summary")
		}
		// The response pages (what the response export reads) hold as many.
		if r.Paged == r.Recount.Responses {
			fmt.Fprintf(c.stdout, "response pages hold the same %d responses\n", r.Paged)
		} else {
			fmt.Fprintf(c.stdout, "response pages hold %d responses, the responses collection %d\n", r.Paged, r.Recount.Responses)
			problems = append(problems, "response pages")
		}
		if len(problems) == 0 {
			return nil
		}
		if !fix {
			return fmt.Errorf("%s of %s differ from a recount (run with --fix to rebuild them)", strings.Join(problems, " and "), surveyID)
		}
		if err := a.Fix(ctx, sv, r); err != nil {
			return err
		}
		if len(r.Differences) > 0 {
			fmt.Fprintln(c.stdout, "summary replaced by the recount")
		}
		if r.Paged != r.Recount.Responses {
			fmt.Fprintln(c.stdout, "response pages rebuilt from the responses")
		}
		return nil
	})
}
