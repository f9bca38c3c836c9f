package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
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
		if path == "/console" || strings.HasPrefix(path, "/console/") {
			continue // the console's web pages are not the API (docs/console.md)
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

// openAPIDoc is /openapi.json as served, decoded with exact numbers.
type openAPIDoc map[string]any

func servedOpenAPI(t *testing.T, e *apitest.Env) openAPIDoc {
	t.Helper()
	r := e.Do("GET", "/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("GET /openapi.json: %d", r.Status)
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var doc openAPIDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// resolve follows a local $ref ("#/components/examples/X") to its node.
func (d openAPIDoc) resolve(t *testing.T, node any) any {
	t.Helper()
	for range 20 {
		m, ok := node.(map[string]any)
		if !ok {
			return node
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return node
		}
		var cur any = map[string]any(d)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			cur = cur.(map[string]any)[part]
		}
		if cur == nil {
			t.Fatalf("dangling $ref %s", ref)
		}
		node = cur
	}
	t.Fatal("$ref chain too long")
	return nil
}

// docRequest is one documented example request body.
type docRequest struct {
	method, path, name string
	body               map[string]any
}

// requestExamples lists every example of every JSON request body.
func (d openAPIDoc) requestExamples(t *testing.T) []docRequest {
	t.Helper()
	var out []docRequest
	paths, _ := d["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := d.resolve(t, paths[path]).(map[string]any)
		for _, method := range []string{"post", "put", "patch", "delete"} {
			op, ok := item[method].(map[string]any)
			if !ok || op["requestBody"] == nil {
				continue
			}
			body := d.resolve(t, op["requestBody"]).(map[string]any)
			content, _ := body["content"].(map[string]any)
			media, ok := content["application/json"].(map[string]any)
			if _, file := content["multipart/form-data"]; !ok && file {
				continue // a file upload: its own tests send real files
			}
			if !ok {
				t.Errorf("%s %s: no application/json request body", method, path)
				continue
			}
			examples, _ := media["examples"].(map[string]any)
			if len(examples) == 0 {
				t.Errorf("%s %s: the request body has no example", method, path)
			}
			for _, name := range slices.Sorted(maps.Keys(examples)) {
				ex := d.resolve(t, examples[name]).(map[string]any)
				v, ok := ex["value"].(map[string]any)
				if !ok {
					t.Errorf("%s %s: example %s has no object value", method, path, name)
					continue
				}
				out = append(out, docRequest{strings.ToUpper(method), path, name, v})
			}
		}
	}
	return out
}

// deepCopy copies a decoded JSON object, so an example can be changed for
// one request without changing it for the next.
func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// answerForm names the JSON form of one answer, as Submission.answers
// documents them.
func answerForm(v any) string {
	switch a := v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array of codes"
	case map[string]any:
		if _, ok := a["choice"]; ok {
			return "choice with other"
		}
		if _, ok := a["choices"]; ok {
			return "choices with other"
		}
		return "matrix"
	}
	return fmt.Sprintf("%T", v)
}

// TestOpenAPIExampleRequestsAreAccepted sends every documented example
// request body of /openapi.json to the real server and fails unless it is
// accepted, so an example an app developer copies works, and the
// generated-client check in CI (clients/typescript) compiles requests the
// server takes. What an example cannot know is filled in: the survey is
// one created from the documented definitions (a submission is tried on
// each until one takes it), an access code is one the server just issued,
// and an org_id is another organisation's real id. The accepted answers
// must between them show every answer form the server accepts.
func TestOpenAPIExampleRequestsAreAccepted(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("documented")
	otherOrg, _ := e.Org("ministry")
	doc := servedOpenAPI(t, e)
	requests := doc.requestExamples(t)

	var definitions []map[string]any
	for _, r := range requests {
		if r.method == "POST" && r.path == "/v1/org/surveys" {
			definitions = append(definitions, r.body)
		}
	}
	if len(definitions) == 0 {
		t.Fatal("no documented survey definition")
	}
	// Each documented definition, published as it is and with access
	// codes, for the documented submissions.
	type target struct {
		id    string
		codes bool
	}
	var open []target
	for _, def := range definitions {
		for _, codes := range []bool{false, true} {
			d := deepCopy(t, def)
			if codes {
				d["access_codes"] = true
			}
			id := createSurvey(t, e, owner, d)
			publishSurvey(t, e, owner, id)
			open = append(open, target{id, codes})
		}
	}
	issueCode := func(id string) string {
		r := e.Do("POST", "/v1/org/surveys/"+id+"/access-codes", map[string]int{"count": 1}, bearer(owner)...)
		var codes struct {
			Codes []string `json:"codes"`
		}
		if r.Status != 201 {
			t.Fatalf("access code: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &codes)
		return codes.Codes[0]
	}

	forms := map[string]bool{}
	submissions := 0
	for _, r := range requests {
		label := r.method + " " + r.path + " example " + r.name
		switch {
		case r.method == "POST" && r.path == "/v1/org/surveys":
			continue // sent above
		case r.method == "POST" && r.path == "/v1/surveys/{id}/responses":
			submissions++
			_, wantsCode := r.body["access_code"]
			var refused []string
			accepted := false
			for _, s := range open {
				if s.codes != wantsCode {
					continue
				}
				body := deepCopy(t, r.body)
				if wantsCode {
					body["access_code"] = issueCode(s.id)
				}
				resp := e.Do("POST", "/v1/surveys/"+s.id+"/responses", body)
				if resp.Status == 201 {
					accepted = true
					break
				}
				refused = append(refused, fmt.Sprintf("%d %s", resp.Status, resp.Body))
			}
			if !accepted {
				t.Errorf("%s: no documented survey accepts it:\n%s", label, strings.Join(refused, "\n"))
				continue
			}
			answers, _ := r.body["answers"].(map[string]any)
			for _, a := range answers {
				forms[answerForm(a)] = true
			}
		default:
			path := r.path
			if strings.HasPrefix(path, "/v1/org/consultations/{id}/outcome") {
				// A consultation with a released survey (outcomes_test.go).
				path, r.body = documentedOutcome(t, e, owner, path, r.body)
			}
			if strings.HasPrefix(path, "/v1/org/consultations") {
				// The organisation's own survey, and a draft consultation
				// of its own (consultations_test.go).
				r.body = withOwnSurvey(t, r.body, open[0].id)
				path = strings.ReplaceAll(path, "{id}", draftConsultation(t, e, owner))
			}
			if strings.Contains(path, "{id}") {
				// A fresh draft for each request, so that no example
				// depends on another's effect; margins need the survey
				// with a breakdown question.
				d := deepCopy(t, definitions[0])
				if strings.HasSuffix(path, "/weighting") {
					d = deepCopy(t, definitions[len(definitions)-1])
				}
				d["access_codes"] = true
				path = strings.ReplaceAll(path, "{id}", createSurvey(t, e, owner, d))
			}
			if strings.Contains(path, "{") {
				t.Errorf("%s: no value for the path parameters of %s: teach this test one", label, path)
				continue
			}
			body := deepCopy(t, r.body)
			if _, ok := body["org_id"]; ok {
				body["org_id"] = otherOrg
			}
			resp := e.Do(r.method, path, body, bearer(owner)...)
			if resp.Status < 200 || resp.Status > 299 {
				t.Errorf("%s: %d %s", label, resp.Status, resp.Body)
			}
		}
	}
	if submissions < 3 {
		t.Errorf("only %d documented submissions", submissions)
	}
	for _, f := range []string{"string", "number", "array of codes", "choice with other", "choices with other", "matrix"} {
		if !forms[f] {
			t.Errorf("no accepted documented submission shows the %s answer form", f)
		}
	}
}

// The probes and the document itself list a 4xx (for Redocly's
// recommended rules): the body limit, which every route applies before
// any handler runs. It is real.
func TestOpenAPIProbesRefuseLargeBodies(t *testing.T) {
	t.Parallel()
	// A small limit, so that the whole body fits in the socket's buffers
	// and the client reads the 413 instead of a reset connection.
	const limit = 16 << 10
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = limit }})
	doc := servedOpenAPI(t, e)
	big := bytes.Repeat([]byte("a"), 2*limit)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json"} {
		op := doc["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)
		if _, ok := op["responses"].(map[string]any)["413"]; !ok {
			t.Errorf("GET %s: 413 not documented", path)
		}
		r := e.Do("GET", path, big, "Content-Type", "text/plain")
		if r.Status != 413 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s with a body over the limit: %d %s %.200s", path, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	}
}
