package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// withStore parses the common settings plus a command's own flags, opens
// the store, runs fn and closes the store.
func withStore(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer,
	own func(fs *flag.FlagSet), fn func(st *store.Store) error) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("youthvoice "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	own(fs)
	for _, s := range cfg.settings() {
		if v := getenv(s.env); v != "" {
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
	log := newLogger(stderr, "warn")
	st, err := openStore(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer st.Close(context.WithoutCancel(ctx))
	return fn(st)
}

// orgCmd: youthvoice org create --name NAME
func orgCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: youthvoice org create --name NAME"}
	}
	var name string
	return withStore(ctx, "org create", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the organisation's name")
	}, func(st *store.Store) error {
		if name == "" || len(name) > 200 {
			return usageError{"org create: --name is required (at most 200 characters)"}
		}
		org, secret, err := st.CreateOrg(ctx, name, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "organisation: %s\nowner token:  %s\n(the token is shown only now; keep it safe)\n", org.ID, secret)
		return nil
	})
}

// tokenCmd: youthvoice token create --org ID --role ROLE, youthvoice token revoke --id TOKEN_ID
func tokenCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return usageError{"usage: youthvoice token create --org ID --role owner|editor|analyst [--name NAME]\n       youthvoice token revoke --id TOKEN_ID"}
	}
	var orgID, role, name, id string
	if args[0] == "create" {
		return withStore(ctx, "token create", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
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
			fmt.Fprintf(stdout, "token id: %s\nrole:     %s\ntoken:    %s\n(the token is shown only now; keep it safe)\n", t.ID, t.Role, secret)
			return nil
		})
	}
	return withStore(ctx, "token revoke", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "the token's id (not its secret)")
	}, func(st *store.Store) error {
		t, err := st.RevokeToken(ctx, "", id, time.Now())
		if err != nil {
			return fmt.Errorf("token %q: %w", id, err)
		}
		if err := st.Audit(ctx, store.AuditEntry{OrgID: t.OrgID, TokenID: "cli", Action: "token_revoke", Detail: t.ID, At: time.Now()}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s (%s) at %s\n", t.ID, t.Role, t.RevokedAt.Format(time.RFC3339))
		return nil
	})
}

// recountCmd: youthvoice recount --survey ID [--fix]: compares the summary
// and the response pages with the stored responses.
func recountCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var surveyID string
	var fix bool
	return withStore(ctx, "recount", args, getenv, stderr, func(fs *flag.FlagSet) {
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
		// Batches a crashed server left untallied are tallied (and their
		// responses paged) first: those older than the lease only, since a
		// server may be running on the same store and writing one now.
		st.NewSummarizer(st.StoreDefinitions(), newLogger(stderr, "warn")).Recover(ctx)
		sum, err := st.Summary(ctx, surveyID)
		if err != nil {
			return err
		}
		recount, err := st.Recount(ctx, surveyID, st.StoreDefinitions())
		if err != nil {
			return err
		}
		var problems []string
		diffs := surveys.TallyDifferences(sum.Tally, recount)
		if len(diffs) == 0 {
			fmt.Fprintf(stdout, "summary matches a recount of %d responses\n", recount.Responses)
		} else {
			fmt.Fprintf(stdout, "summary differs from a recount (summary %d responses, recount %d):\n", sum.Tally.Responses, recount.Responses)
			for _, d := range diffs {
				fmt.Fprintln(stdout, "  "+d)
			}
			problems = append(problems, "summary")
		}
		// The response pages (what the response export reads) hold as many.
		paged, err := st.PagedResponses(ctx, surveyID)
		if err != nil {
			return err
		}
		if paged == recount.Responses {
			fmt.Fprintf(stdout, "response pages hold the same %d responses\n", paged)
		} else {
			fmt.Fprintf(stdout, "response pages hold %d responses, the responses collection %d\n", paged, recount.Responses)
			problems = append(problems, "response pages")
		}
		if len(problems) == 0 {
			return nil
		}
		if !fix {
			return fmt.Errorf("%s of %s differ from a recount (run with --fix to rebuild them)", strings.Join(problems, " and "), surveyID)
		}
		if len(diffs) > 0 {
			if err := st.ReplaceSummary(ctx, surveyID, recount, sv.Draft.Threshold(), sv.Status == surveys.Closed || sv.Status == surveys.Archived); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "summary replaced by the recount")
		}
		if paged != recount.Responses {
			if err := st.RebuildPages(ctx, surveyID); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "response pages rebuilt from the responses")
		}
		return nil
	})
}
