package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
)

// gzipped compresses b once.
func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zerosBomb is a gzip stream of n MiB of zeros (n a multiple of 64),
// built without ever holding the zeros: one member of 64 MiB, repeated
// (a gzip reader reads concatenated members as one stream).
func zerosBomb(t testing.TB, mib int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	// One gzip member of 1 MiB of zeros, repeated: a multi-member gzip
	// stream (which every gzip reader reads on), cheap to make.
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), max(1, mib))
}

// allocated is how many bytes the process allocated while f ran (the server
// runs in this process).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func submitPath(id string) string { return "/v1/surveys/" + id + "/responses" }

// A compressed request body costs at most a small multiple of the body
// limit, whatever it decompresses to: gzip once is decoded in a stream that
// stops at the limit, and every other coding is refused before anything
// decompresses it.
func TestCompressionBombsAreRefusedCheaply(t *testing.T) {
	const limit = 1 << 20 // the default body limit
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = limit }})
	id, owner := openSurvey(t, e, nil)
	jsonGzip := []string{"Content-Type", "application/json", "Content-Encoding", "gzip"}

	// A double-gzipped 4 GiB of zeros: a few kilobytes on the wire.
	bomb := gzipped(t, zerosBomb(t, 4<<10))
	if len(bomb) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	var r *apitest.Response
	cost := allocated(func() {
		r = e.Do("POST", submitPath(id), bomb, "Content-Type", "application/json", "Content-Encoding", "gzip, gzip", "Accept-Language", "sv")
	})
	if r.Status != 415 || problemOf(t, r).Type != "urn:youthvoice:problem:unsupported_content_encoding" || r.Header.Get("Accept-Encoding") != "gzip" {
		t.Fatalf("gzip, gzip: %d %v %s", r.Status, r.Header, r.Body)
	}
	if want := e.Catalog.Message("sv", "problem.unsupported_content_encoding.detail", nil); problemOf(t, r).Detail != want || !strings.Contains(want, "gzip") {
		t.Errorf("detail %q, want %q", problemOf(t, r).Detail, want)
	}
	t.Logf("gzip, gzip (%d bytes holding 4 GiB): %d bytes allocated", len(bomb), cost)
	if cost > 8*limit {
		t.Errorf("the refused double gzip cost %d bytes", cost)
	}

	// The same codings as two header lines, and every other coding, on any
	// route, before authentication or routing.
	for _, h := range [][]string{
		{"Content-Encoding", "gzip", "Content-Encoding", "gzip"},
		{"Content-Encoding", "deflate"}, {"Content-Encoding", "br"}, {"Content-Encoding", "compress"},
		{"Content-Encoding", "zstd"}, {"Content-Encoding", "x-unknown"}, {"Content-Encoding", "gzip, br"},
	} {
		for _, route := range [][2]string{{"POST", submitPath(id)}, {"POST", "/v1/org/surveys"}, {"GET", "/v1/surveys"}, {"PUT", "/v1/nowhere"}} {
			r := e.Do(route[0], route[1], bomb, append([]string{"Content-Type", "application/json"}, h...)...)
			if r.Status != 415 || problemOf(t, r).Type != "urn:youthvoice:problem:unsupported_content_encoding" {
				t.Errorf("%v on %v: %d %s", h, route, r.Status, r.Body)
			}
		}
	}

	// A single gzip of 256 MiB of zeros (256 KB on the wire) stops at the
	// limit: a 413, having decompressed little more than the limit.
	single := zerosBomb(t, 256)
	if len(single) >= limit {
		t.Fatalf("single bomb %d bytes", len(single))
	}
	cost = allocated(func() { r = e.Do("POST", submitPath(id), single, jsonGzip...) })
	if r.Status != 413 || problemOf(t, r).Type != "urn:youthvoice:problem:body_too_large" {
		t.Fatalf("single gzip over the limit: %d %s", r.Status, r.Body)
	}
	t.Logf("gzip (%d bytes holding 256 MiB): %d bytes allocated", len(single), cost)
	if cost > 8*limit {
		t.Errorf("the refused single gzip cost %d bytes", cost)
	}
	// Just over the limit once decompressed is refused too, the limit
	// itself is read (and then judged as JSON; a definition, since
	// submissions have a lower limit of their own).
	for _, c := range []struct {
		size, status int
		kind         string
	}{{limit + 1, 413, "body_too_large"}, {limit, 400, "malformed_json"}} {
		r := e.Do("POST", "/v1/org/surveys", gzipped(t, bytes.Repeat([]byte{' '}, c.size)), append(jsonGzip, bearer(owner)...)...)
		if r.Status != c.status || problemOf(t, r).Type != "urn:youthvoice:problem:"+c.kind {
			t.Errorf("%d bytes decompressed: %d %s", c.size, r.Status, r.Body)
		}
	}

	// A valid submission compressed once is stored, also with "x-gzip" and
	// spelled in capitals; "identity" changes nothing.
	for _, coding := range []string{"gzip", "GZIP", "x-gzip", "identity, gzip"} {
		body, _ := json.Marshal(submission(1, "sv", goodAnswers))
		r := e.Do("POST", submitPath(id), gzipped(t, body), "Content-Type", "application/json", "Content-Encoding", coding)
		if r.Status != 201 {
			t.Fatalf("%s submission: %d %s", coding, r.Status, r.Body)
		}
	}
	body, _ := json.Marshal(submission(1, "sv", goodAnswers))
	if r := e.Do("POST", submitPath(id), body, "Content-Type", "application/json", "Content-Encoding", "identity"); r.Status != 201 {
		t.Fatalf("identity submission: %d %s", r.Status, r.Body)
	}
	def, _ := json.Marshal(smallSurvey(t))
	if r := e.Do("POST", "/v1/org/surveys", gzipped(t, def), append(jsonGzip, bearer(owner)...)...); r.Status != 201 {
		t.Fatalf("gzip definition: %d %s", r.Status, r.Body)
	}

	// The body is decompressed once: gzip inside a body marked "gzip" stays
	// gzip for the handler (Fiber would otherwise decompress it again).
	if r := e.Do("POST", submitPath(id), gzipped(t, gzipped(t, body)), jsonGzip...); r.Status != 400 || problemOf(t, r).Type != "urn:youthvoice:problem:malformed_json" {
		t.Fatalf("gzip in gzip: %d %s", r.Status, r.Body)
	}
	// Corrupt gzip is a 400.
	bad := gzipped(t, body)
	bad[len(bad)-5] ^= 0xff // the CRC
	for _, b := range [][]byte{[]byte("not gzip at all"), bad, gzipped(t, body)[:20]} {
		r := e.Do("POST", submitPath(id), b, jsonGzip...)
		if r.Status != 400 || problemOf(t, r).Type != "urn:youthvoice:problem:malformed_gzip" {
			t.Errorf("corrupt gzip: %d %s", r.Status, r.Body)
		}
	}
	if n := countResponses(t, e, id); n != 5 {
		t.Errorf("%d responses stored, want 5", n)
	}
}

// Decoding is exact: names match case-sensitively, a name given twice is a
// 400 pointing at it, unknown names and wrong types are 422s with pointers.
func TestJSONDecodingIsExact(t *testing.T) {
	e := apitest.New(t)
	id, owner := openSurvey(t, e, nil)
	sid := uuid.NewString()
	good, _ := json.Marshal(map[string]any{"age_band": "16-19"})
	cases := []struct {
		name, path, body string
		status           int
		kind, pointer    string
		code             string
	}{
		{"case-folded name", submitPath(id), `{"Submission_Id":"` + sid + `","revision":1,"lang":"sv","answers":` + string(good) + `}`, 422, "validation", "/Submission_Id", "unknown_field"},
		{"duplicate name", submitPath(id), `{"submission_id":"` + uuid.NewString() + `","submission_id":"` + sid + `","revision":1,"lang":"sv","answers":` + string(good) + `}`, 400, "duplicate_key", "/submission_id", "duplicate_key"},
		{"duplicate answer", submitPath(id), `{"submission_id":"` + sid + `","revision":1,"lang":"sv","answers":{"age_band":"13-15","age_band":"16-19"}}`, 400, "duplicate_key", "/answers/age_band", "duplicate_key"},
		{"wrong type", submitPath(id), `{"submission_id":"` + sid + `","revision":"1","lang":"sv","answers":` + string(good) + `}`, 422, "validation", "/revision", "invalid_type"},
		{"trailing value", submitPath(id), `{"submission_id":"` + sid + `","revision":1,"lang":"sv","answers":` + string(good) + `} {}`, 400, "malformed_json", "", ""},
		{"case-folded definition field", "/v1/org/surveys", `{"K": 5}`, 422, "validation", "/K", "unknown_field"},
		{"duplicate definition field", "/v1/org/surveys", `{"k": 5, "title": {"sv": "a", "sv": "b"}}`, 400, "duplicate_key", "/title/sv", "duplicate_key"},
		{"nested wrong type", "/v1/org/surveys", `{"sections": [{"questions": [{"required": "yes"}]}]}`, 422, "validation", "/sections/0/questions/0/required", "invalid_type"},
		{"escaped name", "/v1/org/surveys", `{"k": 5, "\u006b": 6}`, 400, "duplicate_key", "/k", "duplicate_key"},
	}
	for _, c := range cases {
		r := e.Do("POST", c.path, c.body, append(bearer(owner), "Content-Type", "application/json", "Accept-Language", "fi")...)
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			continue
		}
		p := problemOf(t, r)
		if p.Type != "urn:youthvoice:problem:"+c.kind {
			t.Errorf("%s: type %s", c.name, p.Type)
		}
		if c.pointer == "" {
			continue
		}
		if len(p.Errors) != 1 || p.Errors[0].Pointer != c.pointer || p.Errors[0].Code != c.code || p.Errors[0].Message == "" {
			t.Errorf("%s: errors %+v", c.name, p.Errors)
		}
		if c.code == "duplicate_key" && p.Errors[0].Message != e.Catalog.Message("fi", "field.duplicate_key", nil) {
			t.Errorf("%s: message %q not translated", c.name, p.Errors[0].Message)
		}
		if c.code == "invalid_type" && !strings.Contains(p.Errors[0].Message, map[string]string{"/revision": "kokonaisluku", "/sections/0/questions/0/required": "true tai false"}[c.pointer]) {
			t.Errorf("%s: message %q does not name the expected type in Finnish", c.name, p.Errors[0].Message)
		}
	}
	if n := countResponses(t, e, id); n != 0 {
		t.Errorf("%d responses stored", n)
	}
}

// Every response carries the security headers, also a 413 refused before
// any middleware; 401s carry a bearer challenge.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = 16 << 10 }})
	id, owner := openSurvey(t, e, nil)
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
	requests := []struct {
		method, path string
		body         any
		headers      []string
		status       int
	}{
		{"GET", "/healthz", nil, nil, 200},
		{"GET", "/openapi.json", nil, nil, 200},
		{"GET", "/v1/surveys/" + id, nil, nil, 200},
		{"GET", "/v1/surveys/" + id, nil, []string{"Accept-Encoding", "gzip"}, 200},
		{"POST", submitPath(id), submission(1, "sv", goodAnswers), nil, 201},
		{"GET", "/v1/org/surveys/" + id + "/export?kind=responses&format=csv", nil, bearer(owner), 200},
		{"GET", "/v1/nope", nil, nil, 404},
		{"POST", "/v1/org/surveys", strings.Repeat("x", 32<<10), append(bearer(owner), "Content-Type", "application/json"), 413},
		{"GET", "/v1/org/surveys", nil, nil, 401},
		{"GET", "/v1/org/surveys", nil, bearer("yv_wrong"), 401},
	}
	for _, q := range requests {
		r := e.Do(q.method, q.path, q.body, q.headers...)
		if r.Status != q.status {
			t.Fatalf("%s %s: %d %s", q.method, q.path, r.Status, r.Body)
		}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s %s (%d): %s %q, want %q", q.method, q.path, r.Status, k, got, v)
			}
		}
		if r.Status != 401 && r.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("%s %s: WWW-Authenticate on a %d", q.method, q.path, r.Status)
		}
	}
	for _, c := range []struct {
		headers []string
		want    string
	}{
		{nil, `Bearer realm="youthvoice"`},
		{[]string{"Authorization", "Basic dXNlcjpwYXNz"}, `Bearer realm="youthvoice"`},
		{bearer("yv_wrong"), `Bearer realm="youthvoice", error="invalid_token"`},
	} {
		r := e.Do("GET", "/v1/org/audit", nil, c.headers...)
		if r.Status != 401 || r.Header.Get("WWW-Authenticate") != c.want {
			t.Errorf("%v: %d WWW-Authenticate %q, want %q", c.headers, r.Status, r.Header.Get("WWW-Authenticate"), c.want)
		}
	}
	// A revoked token is an invalid one.
	tok := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)
	e.Do("DELETE", "/v1/org/tokens/"+tok["id"].(string), nil, bearer(owner)...)
	if r := e.Do("GET", "/v1/org/surveys", nil, bearer(tok["token"].(string))...); r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("revoked token: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
}

// Routing is case-sensitive and strict about trailing slashes.
func TestRoutesHaveOneSpelling(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("o")
	for _, path := range []string{"/METRICS", "/metrics/", "/metrics", "/v1/Surveys", "/v1/surveys/", "/V1/surveys", "/v1/org/Surveys", "/v1/org/surveys/", "/HEALTHZ", "/healthz/"} {
		r := e.Do("GET", path, nil, bearer(owner)...)
		if r.Status != 404 || problemOf(t, r).Type != "urn:youthvoice:problem:not_found" {
			t.Errorf("%s: %d %.200s", path, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/v1/surveys", "/v1/org/surveys", "/healthz"} {
		if r := e.Do("GET", path, nil, bearer(owner)...); r.Status != 200 {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
}

// tokenIDs lists an organisation's live tokens of a role.
func tokenIDs(t *testing.T, e *apitest.Env, owner, role string) []string {
	t.Helper()
	var list struct {
		Tokens []struct {
			ID, Role  string
			RevokedAt *string `json:"revoked_at"`
		}
	}
	e.Do("GET", "/v1/org/tokens", nil, bearer(owner)...).JSON(t, &list)
	var ids []string
	for _, tk := range list.Tokens {
		if tk.Role == role && tk.RevokedAt == nil {
			ids = append(ids, tk.ID)
		}
	}
	return ids
}

// An organisation always keeps a live owner token: revoking the last one is
// a translated 409, also when two owners revoke each other's at once.
func TestLastOwnerTokenStays(t *testing.T) {
	e := apitest.New(t)
	_, first := e.Org("o")
	firstID := tokenIDs(t, e, first, "owner")[0]
	r := e.Do("DELETE", "/v1/org/tokens/"+firstID, nil, append(bearer(first), "Accept-Language", "uk")...)
	if r.Status != 409 || problemOf(t, r).Type != "urn:youthvoice:problem:last_owner_token" ||
		problemOf(t, r).Title != e.Catalog.Message("uk", "problem.last_owner_token.title", nil) {
		t.Fatalf("revoking the last owner token: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/surveys", nil, bearer(first)...); r.Status != 200 {
		t.Fatalf("the last owner token after the refusal: %d", r.Status)
	}
	// Editors and analysts are revoked freely; a second owner makes the
	// first revocable, and then the second is the last.
	editor := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "editor"}, bearer(first)...).Map(t)
	if r := e.Do("DELETE", "/v1/org/tokens/"+editor["id"].(string), nil, bearer(first)...); r.Status != 200 {
		t.Fatalf("revoking an editor: %d %s", r.Status, r.Body)
	}
	second := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "owner"}, bearer(first)...).Map(t)
	if r := e.Do("DELETE", "/v1/org/tokens/"+firstID, nil, bearer(second["token"].(string))...); r.Status != 200 {
		t.Fatalf("revoking the first of two owners: %d %s", r.Status, r.Body)
	}
	if r := e.Do("DELETE", "/v1/org/tokens/"+second["id"].(string), nil, bearer(second["token"].(string))...); r.Status != 409 {
		t.Fatalf("revoking the second, now last, owner token: %d %s", r.Status, r.Body)
	}

	// Two owners revoke each other's tokens at the same moment: one wins.
	for round := range 5 {
		_, a := e.Org("race")
		b := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "owner"}, bearer(a)...).Map(t)
		ids := tokenIDs(t, e, a, "owner")
		if len(ids) != 2 {
			t.Fatalf("%d owner tokens", len(ids))
		}
		bID := b["id"].(string)
		aID := ids[0]
		if aID == bID {
			aID = ids[1]
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, q := range [][2]string{{a, bID}, {b["token"].(string), aID}} {
			wg.Go(func() { statuses[i] = e.Do("DELETE", "/v1/org/tokens/"+q[1], nil, bearer(q[0])...).Status })
		}
		wg.Wait()
		// Whoever was revoked first can no longer revoke: a 401; a 409 if
		// the other's revocation was refused as the last.
		ok := 0
		for _, st := range statuses {
			if st == 200 {
				ok++
			} else if st != 401 && st != 409 {
				t.Errorf("round %d: status %d", round, st)
			}
		}
		live := 0
		for _, tok := range []string{a, b["token"].(string)} {
			if e.Do("GET", "/v1/org/surveys", nil, bearer(tok)...).Status == 200 {
				live++
			}
		}
		if ok != 1 || live != 1 {
			t.Errorf("round %d: statuses %v, %d owner tokens live", round, statuses, live)
		}
	}
}

// A school class of 35 behind one address answers in the same minute at
// the default rate limit, each pupil's app sending twice (a retry after a
// lost receipt); the limit still stops a flood.
func TestAClassBehindOneAddressCanAnswer(t *testing.T) {
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.SubmitRateLimit = api.DefaultSubmitRate }})
	id, _ := openSurvey(t, e, nil)
	subs := make([][]byte, 35)
	for i := range subs {
		subs[i], _ = json.Marshal(submission(1, "sv", goodAnswers))
	}
	var wg sync.WaitGroup
	statuses := make([]int, 2*len(subs))
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = e.Do("POST", submitPath(id), subs[i%len(subs)], "Content-Type", "application/json").Status
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 201 && st != 200 {
			t.Fatalf("pupil %d: %d (all: %v)", i%len(subs), st, statuses)
		}
	}
	if n := countResponses(t, e, id); n != int64(len(subs)) {
		t.Fatalf("%d responses stored, want %d", n, len(subs))
	}
	// The rest of the minute's budget, then a 429.
	sent := len(statuses)
	var last int
	for sent <= api.DefaultSubmitRate {
		b, _ := json.Marshal(submission(1, "sv", goodAnswers))
		last = e.Do("POST", submitPath(id), b, "Content-Type", "application/json").Status
		sent++
	}
	if last != 429 {
		t.Fatalf("submission %d in a minute: %d", sent, last)
	}
}
