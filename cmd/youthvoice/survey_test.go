package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys/surveystest"
	"github.com/youthvoice/youthvoice/xlsform"
)

// writeWorkbook writes an example survey as an XLSForm workbook into dir,
// with extra cells on a new row 2 of its survey sheet when given (by
// header).
func writeWorkbook(t *testing.T, dir, name, example string, extra map[string]string) string {
	t.Helper()
	def, err := surveystest.Example(example)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := xlsform.Write(&b, def); err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		f, err := excelize.OpenReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("survey")
		if err := f.InsertRows("survey", 2, 1); err != nil {
			t.Fatal(err)
		}
		for i, h := range rows[0] {
			if v, ok := extra[h]; ok {
				ref, _ := excelize.CoordinatesToCellName(i+1, 2)
				_ = f.SetCellStr("survey", ref, v)
			}
		}
		b.Reset()
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var surveyIDLine = regexp.MustCompile(`(?m)^survey: (\S+) \(draft\)$`)

// survey import creates a draft from a workbook, in the store directly and
// inside a running serve (the file named relative to the command's
// directory); --dry-run stores nothing; a workbook with a row that has no
// equivalent is refused row by row with exit status 1, an .xls with the
// API's advice; survey export-xlsform writes a workbook that imports again.
func TestSurveyImportCommand(t *testing.T) {
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-import-token")
	work := t.TempDir()
	writeWorkbook(t, work, "consultation.xlsx", "youth-policy-consultation.json", nil)
	bad := writeWorkbook(t, work, "bad.xlsx", "youth-policy-consultation.json", map[string]string{"type": "geopoint", "name": "where"})
	xls := filepath.Join(work, "old.xls")
	if err := os.WriteFile(xls, append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, logs, stop := startServe(t, vars)
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	cmd := func(dir string, args ...string) (string, string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		c := &cli{getenv: env(vars), stdout: &stdout, stderr: &stderr, dir: dir, argv: args}
		err := dispatch(t.Context(), c, args[0], args[1:])
		return stdout.String(), stderr.String(), err
	}
	surveyCount := func() int {
		t.Helper()
		st, b := get(t, "http://"+addr+"/v1/org/surveys", "Authorization", "Bearer T-import-token")
		if st != 200 {
			t.Fatalf("list: %d %s", st, b)
		}
		return strings.Count(b, `"id":`)
	}

	// Through the server, the file relative to the command's directory.
	out, errOut, err := cmd(work, "survey", "import", "--org", "default", "consultation.xlsx")
	m := surveyIDLine.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("import through the server: %v\n%s%s", err, out, errOut)
	}
	if st, b := get(t, "http://"+addr+"/v1/org/surveys/"+m[1], "Authorization", "Bearer T-import-token"); st != 200 || !strings.Contains(b, `"status":"draft"`) {
		t.Fatalf("the imported survey: %d %s", st, b)
	}
	if st, b := get(t, "http://"+addr+"/v1/org/audit", "Authorization", "Bearer T-import-token"); st != 200 ||
		!regexp.MustCompile(`"token_id":"cli","action":"survey_import"|"action":"survey_import"[^}]*"token_id":"cli"`).MatchString(b) {
		t.Errorf("audit: %d %s", st, b)
	}
	if vars["YOUTHVOICE_DATA_DIR"] != "" && !strings.Contains(logs.String(), `"msg":"ran a command for the command line","command":"survey","exit":0`) {
		t.Errorf("the server did not run it:\n%s", logs.String())
	}
	out, _, err = cmd(work, "survey", "import", "--org", "default", "--dry-run", "consultation.xlsx")
	if err != nil || !strings.HasPrefix(out, "dry run: consultation.xlsx is a valid survey") || surveyCount() != 1 {
		t.Errorf("dry run: %v\n%s (%d surveys)", err, out, surveyCount())
	}
	_, _, err = cmd(work, "survey", "import", "--org", "default", bad)
	if err == nil || exitCode(err) != 1 ||
		!regexp.MustCompile(`(?m)^  sheet survey, row 2, column type \("geopoint"\): \S`).MatchString(err.Error()) ||
		!strings.Contains(err.Error(), "nothing was stored") {
		t.Errorf("a workbook with problems: %v (exit %d)", err, exitCode(err))
	}
	_, _, err = cmd(work, "survey", "import", "--org", "default", "old.xls")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "save it as an Excel workbook (.xlsx)") {
		t.Errorf("an .xls: %v", err)
	}
	_, _, err = cmd(work, "survey", "import", "--org", "nobody", "consultation.xlsx")
	if err == nil || !strings.Contains(err.Error(), `organisation "nobody": not found`) {
		t.Errorf("an unknown organisation: %v", err)
	}
	for _, args := range [][]string{
		{"survey", "import", "consultation.xlsx"},
		{"survey", "import", "--org", "default"},
		{"survey", "import", "--org", "default", "a.xlsx", "b.xlsx"},
		{"survey", "export-xlsform", "--survey", m[1]},
	} {
		if _, _, err := cmd(work, args...); exitCode(err) != 2 {
			t.Errorf("%q: %v (exit %d)", args, err, exitCode(err))
		}
	}
	if n := surveyCount(); n != 1 {
		t.Errorf("%d surveys after the refusals", n)
	}
	// export-xlsform through the server, then imported again: the same
	// definition.
	out, _, err = cmd(work, "survey", "export-xlsform", "--survey", m[1], "--out", "again.xlsx")
	if err != nil || out != "wrote again.xlsx\n" {
		t.Fatalf("export-xlsform: %v %q", err, out)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true

	// Without the server: the command opens the store itself.
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"survey", "import", "--org", "default", filepath.Join(work, "again.xlsx")}, env(vars), &stdout, &stderr); err != nil {
		t.Fatalf("import without the server: %v\n%s", err, stderr.String())
	}
	again := surveyIDLine.FindStringSubmatch(stdout.String())
	if again == nil || strings.Contains(stderr.String(), "through") || !strings.HasPrefix(stderr.String(), "store: ") {
		t.Fatalf("import without the server said %q %q", stdout.String(), stderr.String())
	}
	// Both definitions, written out again, are the same workbook content.
	for _, id := range []string{m[1], again[1]} {
		if err := run(t.Context(), []string{"survey", "export-xlsform", "--survey", id, "--out", filepath.Join(work, id+".xlsx")}, env(vars), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := sheetsOf(t, filepath.Join(work, m[1]+".xlsx")), sheetsOf(t, filepath.Join(work, again[1]+".xlsx")); a != b {
		t.Errorf("the round trip changed the survey:\n%s\n---\n%s", a, b)
	}
}

// sheetsOf is every cell of a workbook, sheet by sheet, as text.
func sheetsOf(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("== " + sh + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}
