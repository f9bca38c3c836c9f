package console_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// Every message the console's templates and code name exists in every
// language the server speaks (the catalog would fall back to English, or
// show the id).
func TestEveryConsoleMessageIsTranslated(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	literal := regexp.MustCompile(`T "([a-z0-9_.]+)"|"(console\.[a-z0-9_.]+)"|problem\("([a-z_]+)"\)`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, gofiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			switch {
			case m[1] != "":
				ids[m[1]] = f
			case m[2] == "console.error.forgery": // a kind: its .title and .detail are added below
			case m[2] != "":
				ids[m[2]] = f
			default:
				ids["problem."+m[3]+".title"], ids["problem."+m[3]+".detail"] = f, f
			}
		}
	}
	// Ids made from a value: roles and states.
	for _, r := range surveys.Roles {
		ids["console.role."+string(r)] = "home.html"
	}
	for _, s := range []surveys.Status{surveys.Draft, surveys.Open, surveys.Closed, surveys.Archived} {
		ids["console.state."+string(s)], ids["console.status."+string(s)] = "home.html", "home.html"
	}
	ids["console.error.forgery.title"], ids["console.error.forgery.detail"] = "guard.go", "guard.go"
	if len(ids) < 50 {
		t.Fatalf("found only %d message ids: the scan is broken", len(ids))
	}
	for id, where := range ids {
		for _, l := range cat.Languages() {
			if !cat.Has(l, id) {
				t.Errorf("%s: message %q is not in locales/%s.json", where, id, l)
			}
		}
	}
}
