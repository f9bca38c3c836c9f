package api

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// surveyCache keeps what the app reads most: each open survey's state
// (briefly, so that several server processes agree within stateTTL) and
// each localized definition, rendered once per (survey, revision,
// language).
type surveyCache struct {
	mu        sync.RWMutex
	states    map[string]cachedSurvey
	rendered  map[renderKey]renderedSurvey
	revisions map[renderKey]*surveys.Definition // lang unused
	open      []listEntry                       // the open surveys in the app's list's order
	openAt    time.Time                         // when open was read (zero: forgotten)
	pages     map[string]renderedSurvey         // pages of the app's list, by ETag
	pageBytes int                               // the pages' size, all codings
	// renderedBytes is the renderings' size, all codings.
	renderedBytes int
}

const (
	stateTTL        = 2 * time.Second
	maxRenderedKeys = 10000
	// maxRenderedBytes bounds the renderings: about 1,500 surveys of the
	// examples' size in two languages (15 KB each, 7 KB gzip, 5 KB br).
	maxRenderedBytes = 64 << 20
)

type cachedSurvey struct {
	survey  *surveys.Survey
	matcher i18n.Matcher
	fetched time.Time
	// langs remembers the language chosen for each (?lang, Accept-Language),
	// at most maxLangKeys of them (the pairs are the client's to choose: a
	// client sending a new pair with every request must not grow it).
	langs     *sync.Map
	langCount *atomic.Int32
}

// maxLangKeys bounds langs: real clients send a handful of pairs.
const maxLangKeys = 256

// lang negotiates the survey's language for a request, once per distinct
// pair of ?lang and Accept-Language.
func (cs cachedSurvey) lang(explicit, accept string) string {
	key := langKey{explicit, accept}
	if l, ok := cs.langs.Load(key); ok {
		return l.(string)
	}
	l := cs.matcher.Best(explicit, accept)
	if cs.langCount.Add(1) <= maxLangKeys {
		cs.langs.Store(langKey{strings.Clone(explicit), strings.Clone(accept)}, l)
	}
	return l
}

type langKey struct{ explicit, accept string }

type renderKey struct {
	id   string
	rev  int
	lang string
}

// renderedSurvey is a localized definition, compressed once for each
// coding; each coding has its own strong ETag (RFC 9110: a strong
// validator names one exact representation).
type renderedSurvey struct {
	identity, gzip, br []byte
	etag               string // of the identity coding; "-gzip", "-br" appended for the others
}

// keepRendering keeps a survey's rendering within the cache's bounds
// (entries, and limit bytes): when full, it starts again empty.
func (sc *surveyCache) keepRendering(key renderKey, r renderedSurvey, limit int) {
	size := r.size()
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if old, ok := sc.rendered[key]; ok {
		sc.renderedBytes -= old.size()
		delete(sc.rendered, key)
	}
	if len(sc.rendered) >= maxRenderedKeys || sc.renderedBytes+size > limit {
		clear(sc.rendered)
		sc.renderedBytes = 0
	}
	if size <= limit {
		sc.rendered[key] = r
		sc.renderedBytes += size
	}
}

// size is what a rendering holds, all codings.
func (r renderedSurvey) size() int { return len(r.identity) + len(r.gzip) + len(r.br) }

// pick chooses the coding the client accepts (brotli, then gzip, else
// none) and returns the body, its Content-Encoding and its ETag.
func (r renderedSurvey) pick(acceptEncoding string) ([]byte, string, string) {
	if acceptEncoding == "" {
		return r.identity, "", r.etag
	}
	accepts := func(coding string) bool {
		for _, part := range strings.Split(acceptEncoding, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), coding) && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
				return true
			}
		}
		return false
	}
	switch {
	case accepts("br"):
		return r.br, "br", r.etag[:len(r.etag)-1] + `-br"`
	case accepts("gzip"):
		return r.gzip, "gzip", r.etag[:len(r.etag)-1] + `-gzip"`
	}
	return r.identity, "", r.etag
}

func newSurveyCache() *surveyCache {
	return &surveyCache{
		states: map[string]cachedSurvey{}, rendered: map[renderKey]renderedSurvey{},
		revisions: map[renderKey]*surveys.Definition{}, pages: map[string]renderedSurvey{},
	}
}

// forget drops a survey's state after a change made by this process.
func (sc *surveyCache) forget(id string) {
	sc.mu.Lock()
	delete(sc.states, id)
	// The list is read again at once; the surveys in it are kept, since
	// the store reuses those whose version did not change.
	sc.openAt = time.Time{}
	sc.mu.Unlock()
}

// openSurveys lists the open surveys for the app in the list's order,
// read from the store at most every stateTTL (a process forgets the list
// when it changes a survey).
func (s *Server) openSurveys(c *fiber.Ctx) ([]listEntry, error) {
	now := s.now()
	s.cache.mu.RLock()
	entries, at := s.cache.open, s.cache.openAt
	s.cache.mu.RUnlock()
	if entries != nil && !at.IsZero() && now.Sub(at) < stateTTL && now.Sub(at) >= 0 {
		return entries, nil
	}
	known := make(map[string]*surveys.Survey, len(entries))
	for _, e := range entries {
		known[e.sv.ID] = e.sv
	}
	list, err := s.store.OpenSurveys(c.UserContext(), known)
	if err != nil {
		return nil, err
	}
	entries = listEntries(list, entries)
	s.cache.mu.Lock()
	s.cache.open, s.cache.openAt = entries, now
	s.cache.mu.Unlock()
	return entries, nil
}

// publicSurvey returns a survey's state for the app, from the cache when
// it is fresh.
func (s *Server) publicSurvey(c *fiber.Ctx, id string) (cachedSurvey, error) {
	now := s.now()
	s.cache.mu.RLock()
	cs, ok := s.cache.states[id]
	s.cache.mu.RUnlock()
	if ok && now.Sub(cs.fetched) < stateTTL {
		return cs, nil
	}
	id = strings.Clone(id) // the cache outlives the request's buffers
	sv, err := s.store.PublicSurvey(c.UserContext(), id)
	if err != nil {
		return cs, err
	}
	// A survey of the app's list at the same version is kept once: the
	// list's copy is used and this one dropped.
	s.cache.mu.RLock()
	for _, e := range s.cache.open {
		if e.sv.ID == sv.ID && e.sv.Version == sv.Version && e.sv.Status == sv.Status {
			sv = e.sv
			break
		}
	}
	s.cache.mu.RUnlock()
	cs = cachedSurvey{survey: sv, matcher: i18n.NewMatcher(sv.Draft.LanguagesDefaultFirst()), fetched: now, langs: &sync.Map{}, langCount: &atomic.Int32{}}
	s.cache.mu.Lock()
	if len(s.cache.states) > maxRenderedKeys {
		clear(s.cache.states)
	}
	s.cache.states[id] = cs
	s.cache.mu.Unlock()
	return cs, nil
}

// appSurvey is GET /v1/surveys/{id}: the open survey's current revision in
// the young person's language, rendered once and then served from memory,
// with a strong ETag so that an unchanged survey costs a 304.
func (s *Server) appSurvey(c *fiber.Ctx) error {
	// Fiber's strings point into a buffer reused after the request: only
	// what is stored in the cache is copied.
	id := c.Params("id")
	cs, err := s.publicSurvey(c, id)
	if err != nil {
		return err
	}
	sv := cs.survey
	if !sv.Listed(s.now()) {
		return surveys.ErrNotFound
	}
	lang := cs.lang(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	key := renderKey{id: id, rev: sv.Revision, lang: lang}
	s.cache.mu.RLock()
	r, ok := s.cache.rendered[key]
	s.cache.mu.RUnlock()
	if !ok {
		// An open survey's definition is its latest revision.
		body, err := json.Marshal(sv.Draft.Localize(sv.ID, sv.Revision, lang, i18n.Direction(lang)))
		if err != nil {
			return err
		}
		r = renderedSurvey{
			identity: body,
			gzip:     fasthttp.AppendGzipBytesLevel(nil, body, fasthttp.CompressBestCompression),
			br:       fasthttp.AppendBrotliBytesLevel(nil, body, fasthttp.CompressBrotliBestCompression),
			etag:     `"` + id + "." + strconv.Itoa(sv.Revision) + "." + lang + `"`,
		}
		key.id = sv.ID // the survey's own copy of the id
		s.cache.keepRendering(key, r, maxRenderedBytes)
	}
	c.Set(fiber.HeaderContentLanguage, lang)
	return sendRendered(c, r, "public, max-age=60")
}

// etagMatches implements If-None-Match's comparison (weak, as RFC 9110
// requires for If-None-Match).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// The app's list (GET /v1/surveys) is paged with an opaque cursor. Its
// order is newest first by the time a survey entered the list (the later
// of its publication and its opens_at), then by id; a cursor is the
// position (time, id) of the last survey of its page, so the next page
// starts after that position whatever was published or closed meanwhile:
// a survey listed all through a walk of the pages appears exactly once;
// one that enters the list during the walk sorts before its first page
// and is seen by the next walk; one that leaves is simply absent.
const (
	defaultPageSize      = 50
	maxPageSize          = 200
	maxCursorLength      = 100 // a cursor is about 70 characters
	listDescriptionRunes = 200 // the list's description; the survey itself has it whole
	maxRenderedPages     = 512
	maxPageBytes         = 32 << 20 // the pages kept: a page of 200 long titles is over a megabyte
	listFormat           = "list.1" // in every page's ETag: changes when the item format does
)

// listEntry is one open survey in the list's order, with its language
// matcher, prepared once per read of the list (every stateTTL), not per
// request.
type listEntry struct {
	sv      *surveys.Survey
	since   int64 // Unix milliseconds: when it entered (or enters) the list
	matcher i18n.Matcher
}

// listPosition is where a cursor points: after the survey (since, id).
type listPosition struct {
	since int64
	id    string
}

// comparePositions orders the list: later since first, then id.
func comparePositions(a, b listPosition) int {
	if a.since != b.since {
		if a.since > b.since {
			return -1
		}
		return 1
	}
	return strings.Compare(a.id, b.id)
}

func (e *listEntry) position() listPosition { return listPosition{e.since, e.sv.ID} }

// listedSince is when a survey entered the list: its publication, or its
// opens_at if later; milliseconds, which the database keeps of a time.
func listedSince(sv *surveys.Survey) int64 {
	t := sv.CreatedAt
	if sv.PublishedAt != nil {
		t = *sv.PublishedAt
	}
	if o := sv.Draft.OpensAt; o != nil && o.After(t) {
		t = *o
	}
	return t.UnixMilli()
}

// listEntries puts the open surveys in the list's order, reusing the
// matchers of the surveys that did not change since the last read.
func listEntries(list []*surveys.Survey, previous []listEntry) []listEntry {
	matchers := make(map[*surveys.Survey]i18n.Matcher, len(previous))
	for _, e := range previous {
		matchers[e.sv] = e.matcher
	}
	out := make([]listEntry, len(list))
	for i, sv := range list {
		m, ok := matchers[sv]
		if !ok {
			m = i18n.NewMatcher(sv.Draft.LanguagesDefaultFirst())
		}
		out[i] = listEntry{sv: sv, since: listedSince(sv), matcher: m}
	}
	slices.SortFunc(out, func(a, b listEntry) int { return comparePositions(a.position(), b.position()) })
	return out
}

// encodeCursor makes the opaque cursor of a position. Clients must not
// read it: its format may change (an old cursor then is a 422, and the
// app starts again from the first page).
func encodeCursor(p listPosition) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1." + strconv.FormatInt(p.since, 10) + "." + p.id))
}

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(s string) (listPosition, bool) {
	if len(s) > maxCursorLength {
		return listPosition{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return listPosition{}, false
	}
	version, rest, ok1 := strings.Cut(string(b), ".")
	since, id, ok2 := strings.Cut(rest, ".")
	n, err := strconv.ParseInt(since, 10, 64)
	if !ok1 || !ok2 || version != "1" || err != nil || id == "" || !validListID(id) {
		return listPosition{}, false
	}
	return listPosition{n, id}, true
}

// validListID accepts what a survey id is made of (a UUID's characters).
func validListID(id string) bool {
	for _, r := range id {
		if !(r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

// listQuery is a request for a page of the app's list.
type listQuery struct {
	age    int
	region string
	limit  int
	after  *listPosition
}

// parseListQuery reads ?age=, ?region=, ?limit= and ?cursor=, with a
// pointer to each bad one.
func parseListQuery(c *fiber.Ctx) (listQuery, error) {
	q := listQuery{region: c.Query("region"), limit: defaultPageSize}
	var bad []surveys.FieldError
	if a := c.Query("age"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 || n > 120 {
			bad = append(bad, surveys.FieldError{Pointer: "/age", Code: surveys.CodeOutOfRange, Params: map[string]any{"Min": 0, "Max": 120}})
		}
		q.age = n
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPageSize {
			bad = append(bad, surveys.FieldError{Pointer: "/limit", Code: surveys.CodeOutOfRange, Params: map[string]any{"Min": 1, "Max": maxPageSize}})
		}
		q.limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		p, ok := decodeCursor(cur)
		if !ok {
			bad = append(bad, surveys.FieldError{Pointer: "/cursor", Code: surveys.CodeInvalid})
		}
		q.after = &p
	}
	if len(bad) > 0 {
		return q, &surveys.ValidationError{Errors: bad}
	}
	return q, nil
}

// appSurveyItem is one survey in the app's list, in the young person's
// language: what a list shows. The survey itself (GET /v1/surveys/{id})
// has the rest.
type appSurveyItem struct {
	ID               string     `json:"id"`
	Revision         int        `json:"revision"`
	Lang             string     `json:"lang"`
	Dir              string     `json:"dir"`
	Title            string     `json:"title"`
	Description      string     `json:"description,omitempty"`
	EstimatedMinutes int        `json:"estimated_minutes,omitempty"`
	MinAge           int        `json:"min_age,omitempty"`
	MaxAge           int        `json:"max_age,omitempty"`
	Sensitive        bool       `json:"sensitive"`
	ClosesAt         *time.Time `json:"closes_at,omitempty"`
	Languages        []string   `json:"languages"`
}

// appSurveyPage is a page of the app's list.
type appSurveyPage struct {
	Surveys []appSurveyItem `json:"surveys"`
	Next    string          `json:"next,omitempty"`
}

// pageItem is a survey on a page and the language chosen for it.
type pageItem struct {
	e    *listEntry
	lang string
}

// selectPage walks the list from the cursor and takes the next limit
// surveys listed now for this audience, each in its language for prefs.
// It allocates only the page; the surveys it passes over cost a
// comparison each.
func selectPage(entries []listEntry, q listQuery, prefs i18n.Prefs, now time.Time) (items []pageItem, next string) {
	start := 0
	if q.after != nil {
		start = sort.Search(len(entries), func(i int) bool { return comparePositions(entries[i].position(), *q.after) > 0 })
	}
	items = make([]pageItem, 0, min(q.limit, len(entries)-start))
	for i := start; i < len(entries); i++ {
		e := &entries[i]
		if !e.sv.Listed(now) || !inAudience(e.sv.Draft.Audience, q.age, q.region) {
			continue
		}
		if len(items) == q.limit {
			return items, encodeCursor(items[len(items)-1].e.position())
		}
		items = append(items, pageItem{e, e.matcher.Pick(prefs)})
	}
	return items, ""
}

// pageETag names a page's content: its surveys at their versions, the
// language of each, and the next cursor; a strong validator, since the
// content is a function of these alone.
func pageETag(items []pageItem, next string) string {
	h := fnv.New128a()
	var buf [24]byte
	h.Write([]byte(listFormat))
	for _, it := range items {
		h.Write([]byte{0})
		h.Write([]byte(it.e.sv.ID))
		h.Write(strconv.AppendInt(buf[:0], int64(it.e.sv.Version), 10))
		h.Write([]byte{'.'})
		h.Write([]byte(it.lang))
	}
	h.Write([]byte{0})
	h.Write([]byte(next))
	return `"l` + hex.EncodeToString(h.Sum(buf[:0])) + `"`
}

// renderPage builds a page's body in every coding.
func renderPage(items []pageItem, next, etag string) (renderedSurvey, error) {
	page := appSurveyPage{Surveys: make([]appSurveyItem, len(items)), Next: next}
	for i, it := range items {
		sv, d, lang := it.e.sv, &it.e.sv.Draft, it.lang
		page.Surveys[i] = appSurveyItem{
			ID: sv.ID, Revision: sv.Revision, Lang: lang, Dir: i18n.Direction(lang),
			Title:            d.Title.In(lang, d.DefaultLanguage),
			Description:      shortText(d.Description.In(lang, d.DefaultLanguage), listDescriptionRunes),
			EstimatedMinutes: d.EstimatedMinutes, MinAge: d.Audience.MinAge, MaxAge: d.Audience.MaxAge,
			Sensitive: d.Sensitive, ClosesAt: d.ClosesAt, Languages: d.Languages,
		}
	}
	body, err := json.Marshal(page)
	if err != nil {
		return renderedSurvey{}, err
	}
	return renderedSurvey{
		identity: body,
		gzip:     fasthttp.AppendGzipBytesLevel(nil, body, fasthttp.CompressDefaultCompression),
		br:       fasthttp.AppendBrotliBytesLevel(nil, body, fasthttp.CompressBrotliDefaultCompression),
		etag:     etag,
	}, nil
}

// shortText cuts s to at most n characters (runes) for the list, at a
// space near the end where there is one, and marks the cut with "…"; it
// never separates a combining mark from its letter.
func shortText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, count := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
			break
		}
		count++
	}
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		if !unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
			break
		}
		_, size := utf8.DecodeLastRuneInString(s[:cut])
		cut -= size
	}
	if sp := strings.LastIndexFunc(s[:cut], unicode.IsSpace); sp > 0 && utf8.RuneCountInString(s[sp:cut]) <= 30 {
		cut = sp
	}
	return strings.TrimRightFunc(s[:cut], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// appSurveys is GET /v1/surveys: a page of the open surveys inside their
// window, filtered by ?age= and ?region=, ?limit= at a time from ?cursor=,
// each in its best language; a page is rendered once and kept (by its
// ETag), and a client that has it gets a 304.
func (s *Server) appSurveys(c *fiber.Ctx) error {
	q, err := parseListQuery(c)
	if err != nil {
		return err
	}
	entries, err := s.openSurveys(c)
	if err != nil {
		return err
	}
	items, next := selectPage(entries, q, i18n.ParsePrefs(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage)), s.now())
	etag := pageETag(items, next)
	s.setListHeaders(c, q, items, next)
	s.cache.mu.RLock()
	r, ok := s.cache.pages[etag]
	s.cache.mu.RUnlock()
	if !ok {
		if r, err = renderPage(items, next, etag); err != nil {
			return err
		}
		size := r.size()
		s.cache.mu.Lock()
		if len(s.cache.pages) >= maxRenderedPages || s.cache.pageBytes+size > maxPageBytes {
			clear(s.cache.pages)
			s.cache.pageBytes = 0
		}
		if _, ok := s.cache.pages[etag]; !ok {
			s.cache.pages[etag] = r
			s.cache.pageBytes += size
		}
		s.cache.mu.Unlock()
	}
	return sendRendered(c, r, "public, max-age=30")
}

// setListHeaders sets a page's headers, the same on a 200 and a 304:
// Content-Language lists the languages of the page's surveys (the
// server's language for an empty page), and Link the next page's address
// (RFC 8288), with the request's filters. (Caching headers: sendRendered.)
func (s *Server) setListHeaders(c *fiber.Ctx, q listQuery, items []pageItem, next string) {
	langs := make([]string, 0, len(items))
	for _, it := range items {
		langs = append(langs, it.lang)
	}
	s.setPageHeaders(c, "/v1/surveys", q, langs, next)
}

// setPageHeaders sets what every page of an app list says besides its
// items: Content-Language the distinct languages of its items (the
// server's for an empty page), and Link the next page of path, with the
// request's filters, when there is one.
func (s *Server) setPageHeaders(c *fiber.Ctx, path string, q listQuery, itemLangs []string, next string) {
	var langs []string
	for _, l := range itemLangs {
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		langs = append(langs, s.lang(c))
	}
	c.Set(fiber.HeaderContentLanguage, strings.Join(langs, ", "))
	if next == "" {
		return
	}
	v := url.Values{"cursor": {next}}
	if q.limit != defaultPageSize {
		v.Set("limit", strconv.Itoa(q.limit))
	}
	if q.age > 0 {
		v.Set("age", strconv.Itoa(q.age))
	}
	for _, k := range []string{"region", "lang"} {
		if x := c.Query(k); x != "" {
			v.Set(k, x)
		}
	}
	c.Set(fiber.HeaderLink, "<"+path+"?"+v.Encode()+`>; rel="next"`)
}

// inAudience reports whether a young person of this age (0: not given) in
// this region (empty: not given) is in the audience.
func inAudience(a surveys.Audience, age int, region string) bool {
	if age > 0 && ((a.MinAge > 0 && age < a.MinAge) || (a.MaxAge > 0 && age > a.MaxAge)) {
		return false
	}
	if region != "" && len(a.Regions) > 0 {
		for _, r := range a.Regions {
			if strings.EqualFold(r, region) {
				return true
			}
		}
		return false
	}
	return true
}
