package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	open      []*surveys.Survey                 // the open surveys, for the app's list
	openAt    time.Time                         // when open was read (zero: forgotten)
}

const (
	stateTTL        = 2 * time.Second
	maxRenderedKeys = 10000
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
	return &surveyCache{states: map[string]cachedSurvey{}, rendered: map[renderKey]renderedSurvey{}, revisions: map[renderKey]*surveys.Definition{}}
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

// openSurveys lists the open surveys for the app, read from the store at
// most every stateTTL (a process forgets the list when it changes a
// survey).
func (s *Server) openSurveys(c *fiber.Ctx) ([]*surveys.Survey, error) {
	now := s.now()
	s.cache.mu.RLock()
	list, at := s.cache.open, s.cache.openAt
	s.cache.mu.RUnlock()
	if list != nil && !at.IsZero() && now.Sub(at) < stateTTL && now.Sub(at) >= 0 {
		return list, nil
	}
	known := make(map[string]*surveys.Survey, len(list))
	for _, sv := range list {
		known[sv.ID] = sv
	}
	list, err := s.store.OpenSurveys(c.UserContext(), known)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*surveys.Survey{}
	}
	s.cache.mu.Lock()
	s.cache.open, s.cache.openAt = list, now
	s.cache.mu.Unlock()
	return list, nil
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
	cs = cachedSurvey{survey: sv, matcher: i18n.NewMatcher(surveyLanguages(&sv.Draft)), fetched: now, langs: &sync.Map{}, langCount: &atomic.Int32{}}
	s.cache.mu.Lock()
	if len(s.cache.states) > maxRenderedKeys {
		clear(s.cache.states)
	}
	s.cache.states[id] = cs
	s.cache.mu.Unlock()
	return cs, nil
}

// surveyLanguages lists a survey's languages with its default first, the
// fallback of language negotiation.
func surveyLanguages(d *surveys.Definition) []string {
	langs := []string{d.DefaultLanguage}
	for _, l := range d.Languages {
		if l != d.DefaultLanguage {
			langs = append(langs, l)
		}
	}
	return langs
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
		s.cache.mu.Lock()
		if len(s.cache.rendered) >= maxRenderedKeys {
			clear(s.cache.rendered)
		}
		key.id = sv.ID // the survey's own copy of the id
		s.cache.rendered[key] = r
		s.cache.mu.Unlock()
	}
	body, coding, etag := r.pick(c.Get(fiber.HeaderAcceptEncoding))
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	c.Set(fiber.HeaderVary, "Accept-Language, Accept-Encoding")
	c.Set(fiber.HeaderContentLanguage, lang)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	if coding != "" {
		c.Set(fiber.HeaderContentEncoding, coding)
	}
	return c.Send(body)
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

// appSurveyItem is one survey in the app's list, in the young person's
// language.
type appSurveyItem struct {
	ID               string     `json:"id"`
	Revision         int        `json:"revision"`
	Lang             string     `json:"lang"`
	Dir              string     `json:"dir"`
	Title            string     `json:"title"`
	Description      string     `json:"description,omitempty"`
	EstimatedMinutes int        `json:"estimated_minutes,omitempty"`
	Sensitive        bool       `json:"sensitive"`
	ClosesAt         *time.Time `json:"closes_at,omitempty"`
	Languages        []string   `json:"languages"`
}

// appSurveys is GET /v1/surveys: the open surveys inside their window,
// filtered by ?age= and ?region=.
func (s *Server) appSurveys(c *fiber.Ctx) error {
	var age int
	if a := c.Query("age"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 || n > 120 {
			return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/age", Code: surveys.CodeOutOfRange, Params: map[string]any{"Min": 0, "Max": 120}}}}
		}
		age = n
	}
	region := c.Query("region")
	list, err := s.openSurveys(c)
	if err != nil {
		return err
	}
	now := s.now()
	items := []appSurveyItem{}
	for _, sv := range list {
		d := &sv.Draft
		if !sv.Listed(now) || !inAudience(d.Audience, age, region) {
			continue
		}
		lang := i18n.NewMatcher(surveyLanguages(d)).Best(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
		items = append(items, appSurveyItem{
			ID: sv.ID, Revision: sv.Revision, Lang: lang, Dir: i18n.Direction(lang),
			Title: d.Title.In(lang, d.DefaultLanguage), Description: d.Description.In(lang, d.DefaultLanguage),
			EstimatedMinutes: d.EstimatedMinutes, Sensitive: d.Sensitive, ClosesAt: d.ClosesAt, Languages: d.Languages,
		})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	c.Set(fiber.HeaderVary, "Accept-Language")
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"surveys": items})
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
