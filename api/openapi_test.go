package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
)

var fiberParam = regexp.MustCompile(`:([A-Za-z]+)`)

// TestOpenAPICoversEveryRoute fails when a registered route is missing
// from /openapi.json or the document lists a route that does not exist.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	e := apitest.New(t)
	r := e.Do("GET", "/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("%d", r.Status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.JSON(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	registered := map[string]bool{}
	for _, rt := range e.Server.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if method == "HEAD" { // Fiber adds HEAD for every GET
			continue
		}
		registered[method+" "+fiberParam.ReplaceAllString(path, "{$1}")] = true
	}
	var missing, extra []string
	for rt := range registered {
		if !documented[rt] {
			missing = append(missing, rt)
		}
	}
	for rt := range documented {
		if !registered[rt] {
			extra = append(extra, rt)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json lists routes that do not exist: %v", extra)
	}
}

// Every field code the server can put in a problem is in the document's
// enum, so a client switching on codes knows them all: the codes are read
// from the source, so a new one cannot ship undocumented.
func TestOpenAPIListsEveryFieldCode(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas["FieldError"].Properties["code"].Enum
	declared := regexp.MustCompile(`\bCode = "([a-z_]+)"`)
	var files []string
	for _, dir := range []string{".", "../surveys"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range declared.FindAllStringSubmatch(string(src), -1) {
			found++
			if !slices.Contains(enum, m[1]) {
				t.Errorf("%s: field code %q is not in FieldError.code's enum", f, m[1])
			}
		}
	}
	if found < 40 {
		t.Fatalf("found only %d field codes in the source", found)
	}
}
