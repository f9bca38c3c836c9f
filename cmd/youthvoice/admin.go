package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// withStore parses the common settings plus a command's own flags, opens
// the store, runs fn and closes the store. When `youthvoice serve` holds
// the embedded store's data directory (only one process may open it), the
// command line is sent to that server, which runs this same function
// against its own store (control.go); on MongoDB every process opens the
// database itself.
func withStore(ctx context.Context, c *cli, name string, args []string,
	own func(fs *flag.FlagSet), fn func(st *store.Store) error) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("youthvoice "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	own(fs)
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected arguments %q", name, fs.Args())}
	}
	if c.server != nil {
		if cfg.Database != c.server.database {
			return fmt.Errorf("the running youthvoice serve (pid %d) uses database %q, not %q: stop it to use another", os.Getpid(), c.server.database, cfg.Database)
		}
		return fn(c.server.st)
	}
	log := newLogger(c.stderr, "warn")
	st, err := openStore(ctx, "youthvoice "+name, cfg, log, nil)
	var inUse *store.DirInUseError
	if errors.As(err, &inUse) {
		return forward(ctx, c, inUse, cfg.Database)
	}
	if err != nil {
		return err
	}
	defer st.Close(context.WithoutCancel(ctx))
	return fn(st)
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

// orgCmd: youthvoice org create --name NAME
func orgCmd(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: youthvoice org create --name NAME"}
	}
	var name string
	return withStore(ctx, c, "org create", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the organisation's name")
	}, func(st *store.Store) error {
		if name == "" || len(name) > 200 {
			return usageError{"org create: --name is required (at most 200 characters)"}
		}
		org, secret, err := st.CreateOrg(ctx, name, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "organisation: %s\nowner token:  %s\n(the token is shown only now; keep it safe)\n", org.ID, secret)
		return nil
	})
}

// tokenCmd: youthvoice token create --org ID --role ROLE, youthvoice token revoke --id TOKEN_ID
func tokenCmd(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return usageError{"usage: youthvoice token create --org ID --role owner|editor|analyst [--name NAME]\n       youthvoice token revoke --id TOKEN_ID"}
	}
	var orgID, role, name, id string
	if args[0] == "create" {
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
			secret := surveys.NewTokenSecret()
			t, err := st.CreateToken(ctx, orgID, surveys.Role(role), name, secret, time.Now())
			if err != nil {
				return err
			}
			if err := st.Audit(ctx, store.AuditEntry{OrgID: orgID, TokenID: "cli", Action: "token_create", Detail: t.ID + " " + role, At: time.Now()}); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "token id: %s\nrole:     %s\ntoken:    %s\n(the token is shown only now; keep it safe)\n", t.ID, t.Role, secret)
			return nil
		})
	}
	return withStore(ctx, c, "token revoke", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "the token's id (not its secret)")
	}, func(st *store.Store) error {
		t, err := st.RevokeToken(ctx, "", id, time.Now())
		if err != nil {
			return fmt.Errorf("token %q: %w", id, err)
		}
		if err := st.Audit(ctx, store.AuditEntry{OrgID: t.OrgID, TokenID: "cli", Action: "token_revoke", Detail: t.ID, At: time.Now()}); err != nil {
			return err
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
