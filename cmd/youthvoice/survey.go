package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

func init() {
	moreCommands = append(moreCommands, command{"survey",
		"surveys from spreadsheets: survey import --org ID FILE [--dry-run] | survey export-xlsform --survey ID --out FILE", surveyCmd})
}

// surveyCmd: youthvoice survey import --org ID FILE [--dry-run] | survey
// export-xlsform --survey ID --out FILE. Both run against the local store
// (or MONGODB_URI), or inside the running server that holds the local
// store, which then reads or writes FILE (relative to the command's
// directory).
func surveyCmd(ctx context.Context, c *cli, args []string) error {
	sub, err := subcommand(c, "survey", args, "import", "export-xlsform")
	if err != nil {
		return err
	}
	if sub == "export-xlsform" {
		return exportXLSFormCmd(ctx, c, args[1:])
	}
	var orgID string
	var dryRun bool
	var flags *flag.FlagSet
	return withStore(ctx, c, "survey import", args[1:], func(fs *flag.FlagSet) {
		flags = fs
		fs.StringVar(&orgID, "org", "", "the organisation's id (see org list)")
		fs.BoolVar(&dryRun, "dry-run", false, "check the workbook and show what would be imported, storing nothing")
	}, func(st *store.Store) error {
		if orgID == "" || flags.NArg() != 1 {
			return usageError{"survey import: --org and one FILE are required (flags before FILE)"}
		}
		return importSurveyFile(ctx, c, st, orgID, flags.Arg(0), dryRun)
	})
}

// importSurveyFile imports the workbook at path (app.ImportSurvey, as the
// API does) and reports the outcome in English, the command line's
// language: the new survey's id and the warnings on stdout; problems row
// by row in the returned error (exit status 1).
func importSurveyFile(ctx context.Context, c *cli, st *store.Store, orgID, path string, dryRun bool) error {
	if _, err := st.Org(ctx, orgID); err != nil {
		return fmt.Errorf("organisation %q: %w", orgID, err)
	}
	f, err := os.Open(c.path(path))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", path)
	}
	cat, err := i18n.New()
	if err != nil {
		return err
	}
	a, done := c.workflows(st)
	defer done()
	// A section of the file as it was when looked at: a file that grows
	// while it is read is read no further than its size then.
	imp, err := a.ImportSurvey(ctx, surveys.Token{ID: "cli", OrgID: orgID}, io.NewSectionReader(f, 0, info.Size()), info.Size(), dryRun)
	if err != nil {
		return importProblem(cat, path, err)
	}
	if dryRun {
		fmt.Fprintf(c.stdout, "dry run: %s is a valid survey (%q, %d questions); nothing was stored\n",
			path, imp.Definition.Title.In(imp.Definition.DefaultLanguage, imp.Definition.DefaultLanguage), countQuestions(&imp.Definition))
	} else {
		fmt.Fprintf(c.stdout, "survey: %s (draft)\n", imp.Survey.ID)
	}
	for _, w := range imp.Warnings {
		fmt.Fprintf(c.stdout, "warning: %s\n", cellLine(w.Sheet, w.Row, w.Column, w.Cell, cat.Message(i18n.Source, "field."+string(w.Code), w.Params)))
	}
	return nil
}

func countQuestions(def *surveys.Definition) int {
	n := 0
	for _, s := range def.Sections {
		n += len(s.Questions)
	}
	return n
}

// importProblem explains an import's refusal with the API's own (English)
// messages, one problem a line.
func importProblem(cat *i18n.Catalog, path string, err error) error {
	var xe *xlsform.Error
	var ve *surveys.ValidationError
	var lines []string
	switch {
	case errors.As(err, &xe):
		for _, p := range xe.Problems {
			lines = append(lines, cellLine(p.Sheet, p.Row, p.Column, p.Cell, cat.Message(i18n.Source, "field."+string(p.Code), p.Params)))
		}
	case errors.As(err, &ve):
		for _, f := range ve.Errors {
			lines = append(lines, f.Pointer+": "+cat.Message(i18n.Source, "field."+string(f.Code), f.Params))
		}
	case errors.Is(err, xlsform.ErrLegacyXLS):
		return fmt.Errorf("%s: %s", path, cat.Message(i18n.Source, "problem.legacy_xls.detail", nil))
	case errors.Is(err, xlsform.ErrNotWorkbook):
		return fmt.Errorf("%s: %s", path, cat.Message(i18n.Source, "problem.not_workbook.detail", nil))
	case errors.Is(err, xlsform.ErrTooLarge):
		return fmt.Errorf("%s: %s", path, cat.Message(i18n.Source, "problem.workbook_too_large.detail", map[string]any{"MaxKB": xlsform.MaxWorkbookBytes >> 10}))
	default:
		return err
	}
	return fmt.Errorf("%s has %d problems; nothing was stored:\n  %s", path, len(lines), strings.Join(lines, "\n  "))
}

// cellLine is one problem or warning of a workbook, where a person finds
// it in a spreadsheet: "sheet survey, row 12, column type ("geopoint"):
// message".
func cellLine(sheet string, row int, column, cell, msg string) string {
	var where []string
	if sheet != "" {
		where = append(where, "sheet "+sheet)
	}
	if row > 0 {
		where = append(where, fmt.Sprintf("row %d", row))
	}
	if column != "" {
		where = append(where, "column "+column)
	}
	s := strings.Join(where, ", ")
	if cell != "" {
		s += fmt.Sprintf(" (%q)", cell)
	}
	if s == "" {
		return msg
	}
	return s + ": " + msg
}

// exportXLSFormCmd: youthvoice survey export-xlsform --survey ID --out FILE.
func exportXLSFormCmd(ctx context.Context, c *cli, args []string) error {
	var surveyID, out string
	return withStore(ctx, c, "survey export-xlsform", args, func(fs *flag.FlagSet) {
		fs.StringVar(&surveyID, "survey", "", "the survey's id")
		fs.StringVar(&out, "out", "", "file to write (.xlsx)")
	}, func(st *store.Store) error {
		if surveyID == "" || out == "" {
			return usageError{"survey export-xlsform: --survey and --out are required"}
		}
		sv, err := st.PublicSurvey(ctx, surveyID)
		if err != nil {
			return fmt.Errorf("survey %q: %w", surveyID, err)
		}
		f, err := os.Create(c.path(out))
		if err != nil {
			return err
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		if err := xlsform.Write(w, &sv.Draft); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %s\n", out)
		return nil
	})
}
