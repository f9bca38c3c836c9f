package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/i18n"
)

// wantLanguages are the languages the server must speak: English, Swedish,
// Arabic and the languages of a Swedish and international youth audience.
var wantLanguages = []string{"ar", "en", "es", "fi", "so", "sv", "uk"}

func TestEveryLanguageHasEveryMessage(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	got := c.Languages()
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(wantLanguages, ",") {
		t.Errorf("languages %v, want %v", got, wantLanguages)
	}
	english := c.IDs(i18n.Source)
	for _, lang := range got {
		var missing []string
		for _, id := range english {
			if !c.Has(lang, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s lacks %d messages: %s", lang, len(missing), strings.Join(missing, ", "))
		}
		for _, id := range c.IDs(lang) {
			if !c.Has(i18n.Source, id) {
				t.Errorf("%s has %s, which English does not", lang, id)
			}
		}
	}
}

// TestEveryMessageUsedInCodeExists reads the project's Go source and
// checks that every message id it can use exists in English: problem kinds
// (newProblem(status, "kind")), field problem codes (constants of type
// surveys.Code and Code: "..." fields) and literal message ids.
func TestEveryMessageUsedInCodeExists(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{} // id -> where
	fset := token.NewFileSet()
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && d.Name() != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "newProblem" && len(n.Args) == 2 {
					if kind, ok := stringLit(n.Args[1]); ok {
						where := fset.Position(n.Pos()).String()
						used["problem."+kind+".title"] = where
						used["problem."+kind+".detail"] = where
					}
				}
			case *ast.ValueSpec:
				if typ, ok := n.Type.(*ast.Ident); ok && typ.Name == "Code" {
					for _, v := range n.Values {
						if code, ok := stringLit(v); ok {
							used["field."+code] = fset.Position(v.Pos()).String()
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
					if code, ok := stringLit(n.Value); ok {
						used["field."+code] = fset.Position(n.Pos()).String()
					}
				}
			case *ast.BasicLit:
				if s, ok := stringLit(n); ok && (strings.HasPrefix(s, "problem.") || strings.HasPrefix(s, "field.") || strings.HasPrefix(s, "text.")) &&
					!strings.HasSuffix(s, ".") && !strings.Contains(s, " ") {
					used[s] = fset.Position(n.Pos()).String()
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 20 {
		t.Fatalf("found only %d message ids in the code: the scan is broken", len(used))
	}
	for id, where := range used {
		if !c.Has(i18n.Source, id) {
			t.Errorf("%s: message %q is not in locales/en.json", where, id)
		}
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func TestNegotiate(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ explicit, accept, want string }{
		{"", "", "en"},
		{"", "sv", "sv"},
		{"", "sv-FI", "sv"},
		{"", "ar-SA,ar;q=0.9", "ar"},
		{"", "xx", "en"},
		{"", "de, fi;q=0.5", "fi"},
		{"uk", "sv", "uk"},
		{"xx", "so", "so"},
		{"!!bad", "es", "es"},
	}
	for _, tc := range cases {
		if got := c.Negotiate(tc.explicit, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.explicit, tc.accept, got, tc.want)
		}
	}
}

func TestDirection(t *testing.T) {
	for lang, want := range map[string]string{"ar": "rtl", "fa": "rtl", "he": "rtl", "ur": "rtl", "sv": "ltr", "en": "ltr", "so": "ltr", "uk": "ltr", "bad!": "ltr"} {
		if got := i18n.Direction(lang); got != want {
			t.Errorf("Direction(%q) = %q, want %q", lang, got, want)
		}
	}
}
