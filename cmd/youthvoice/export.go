package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// exportCmd: youthvoice export --survey ID --kind summary|responses
// --format csv|xlsx|json|pdf --lang sv --level 90|95|99 [--weighted] --out FILE, against the local store
// (or MONGODB_URI), or inside the running server that holds the local
// store, which then writes FILE (relative to the command's directory). It shows a progress bar on a terminal and plain
// progress lines otherwise.
func exportCmd(ctx context.Context, c *cli, args []string) error {
	var surveyID, kind, format, lang, out, levelArg string
	var weighted bool
	return withStore(ctx, c, "export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&surveyID, "survey", "", "the survey's id")
		fs.StringVar(&kind, "kind", "summary", "summary or responses")
		fs.StringVar(&format, "format", "xlsx", "summary: csv, xlsx, json or pdf; responses: csv or xlsx")
		fs.StringVar(&lang, "lang", "", "language of the export (default: the survey's)")
		fs.StringVar(&out, "out", "", "file to write")
		fs.StringVar(&levelArg, "level", strconv.Itoa(surveys.DefaultLevel), "summary: confidence level of the intervals, 90, 95 or 99 (percent)")
		fs.BoolVar(&weighted, "weighted", false, "summary: add the figures weighted to the survey's population totals")
	}, func(st *store.Store) error {
		if surveyID == "" || out == "" {
			return usageError{"export: --survey and --out are required"}
		}
		// Read here, not as an int flag, so that "95.5" is the same usage
		// error as "80".
		level, err := strconv.Atoi(levelArg)
		if err != nil || !surveys.ValidLevel(level) {
			return usageError{"export: --level must be 90, 95 or 99"}
		}
		sv, err := st.PublicSurvey(ctx, surveyID)
		if err != nil {
			return fmt.Errorf("survey %q: %w", surveyID, err)
		}
		a, done := c.workflows(st)
		defer done()
		c.catchUp(ctx, a)
		lang, err = exportLanguage(&sv.Draft, lang)
		if err != nil {
			return err
		}
		var weighting *store.Weighting
		if weighted {
			if kind != "summary" {
				return usageError{"export: --weighted is for --kind summary"}
			}
			if weighting, err = a.WeightingFor(ctx, sv); errors.Is(err, app.ErrNoWeighting) {
				return fmt.Errorf("export: survey %q has no population totals to weight to (PUT /v1/org/surveys/{id}/weighting)", surveyID)
			} else if err != nil {
				return err
			}
		}
		f, err := os.Create(c.path(out))
		if err != nil {
			return err
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		switch kind {
		case "summary":
			err = exportSummaryFile(ctx, a, sv, format, lang, level, weighting, w)
		case "responses":
			if format != "csv" && format != "xlsx" {
				return usageError{"export: responses are exported as csv or xlsx"}
			}
			err = exportResponsesFile(ctx, st, sv, format, w, c.stderr)
		default:
			return usageError{"export: --kind must be summary or responses"}
		}
		if err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		detail := kind + "/" + format + "/" + lang
		if weighting != nil {
			detail += "/weighted"
		}
		if err := st.Audit(ctx, store.AuditEntry{OrgID: sv.OrgID, TokenID: "cli", Action: "export", SurveyID: sv.ID, Detail: detail, At: time.Now()}); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %s\n", out)
		return f.Close()
	})
}

func exportSummaryFile(ctx context.Context, a *app.App, sv *surveys.Survey, format, lang string, level int, weighting *store.Weighting, w io.Writer) error {
	cat, err := i18n.New()
	if err != nil {
		return err
	}
	var rel export.Release
	if weighting != nil {
		rel, err = a.WeightedRelease(ctx, sv, nil, weighting, lang, level)
	} else {
		rel, err = a.Release(ctx, sv, nil)
	}
	if err != nil {
		return err
	}
	rel.Level = level
	err = app.WriteSummary(w, export.BuildSummary(rel, lang, cat.Negotiate(lang, ""), cat), format, "  ")
	if errors.Is(err, app.ErrUnsupportedFormat) {
		return usageError{"export: --format must be csv, xlsx, json or pdf"}
	}
	return err
}

func exportResponsesFile(ctx context.Context, st *store.Store, sv *surveys.Survey, format string, w io.Writer, stderr io.Writer) error {
	sum, err := st.Summary(ctx, sv.ID)
	if err != nil {
		return err
	}
	total := sum.Tally.Responses
	cur, err := st.Responses(ctx, sv.ID)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	progress := newProgress(stderr, total)
	write := export.ResponsesCSV
	if format == "xlsx" {
		write = export.ResponsesXLSX
	}
	n, err := write(w, &sv.Draft, func() (*surveys.Response, error) {
		r, err := cur.Next(ctx)
		if err == nil {
			progress.add()
		}
		return r, err
	})
	progress.done(n)
	return err
}

// progress reports an export's progress: a bar on a terminal, a line every
// 10,000 rows otherwise.
type progress struct {
	bar   *progressbar.ProgressBar
	out   io.Writer
	n     int
	total int
}

func newProgress(out io.Writer, total int) *progress {
	p := &progress{out: out, total: total}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("responses"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	return p
}

func (p *progress) add() {
	p.n++
	if p.bar != nil {
		_ = p.bar.Add(1)
	} else if p.n%10000 == 0 {
		fmt.Fprintf(p.out, "exported %d of about %d responses\n", p.n, p.total)
	}
}

func (p *progress) done(n int) {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.out)
	}
	fmt.Fprintf(p.out, "exported %d responses\n", n)
}

// exportLanguage is the survey language an export is written in: the
// survey's default when none is asked for, else the one asked for by the
// API's rule (exactly, or by base language and script: sv-FI is sv). A
// language the survey does not have is refused, naming those it has: on
// the command line a file silently written in another language than the
// one typed would be a surprise, unlike an app's request, which falls
// back to the default.
func exportLanguage(def *surveys.Definition, asked string) (string, error) {
	langs := def.LanguagesDefaultFirst()
	if asked == "" {
		return def.DefaultLanguage, nil
	}
	// The first code is what the matcher falls back to: an empty one,
	// which matches nothing, tells that nothing matched.
	if got := i18n.NewMatcher(append([]string{""}, langs...)).Best(asked, ""); got != "" {
		return got, nil
	}
	return "", usageError{fmt.Sprintf("export: the survey has no language %q; it has %s", asked, strings.Join(langs, ", "))}
}
