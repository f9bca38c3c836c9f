package api

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/markdown"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Consultations (docs/consultations.md): organisers write them under
// /v1/org/consultations and move them through their states; the app
// reads the public ones at /v1/consultations, without authentication,
// rendered once per content and language and served with strong ETags as
// the surveys are.

type consultationMove struct {
	action string
	target surveys.ConsultationState
}

// consultationMoves are the organisers' transitions: the action in the
// path (POST /v1/org/consultations/{id}/{action}) and the state it moves
// to, in the lifecycle's order.
var consultationMoves = []consultationMove{
	{"publish", surveys.ConsultationOpen},
	{"analyse", surveys.ConsultationAnalysing},
	{"decide", surveys.ConsultationDecided},
	{"close", surveys.ConsultationClosed},
}

// consultationView is a consultation as organisers see it: the
// definition as written, its information pages rendered as the app shows
// them, its surveys' states, and the actions its state allows.
type consultationView struct {
	ID          string                         `json:"id"`
	State       surveys.ConsultationState      `json:"state"`
	Version     int                            `json:"version"`
	CreatedAt   time.Time                      `json:"created_at"`
	UpdatedAt   time.Time                      `json:"updated_at"`
	OpenedAt    *time.Time                     `json:"opened_at,omitempty"`
	AnalysingAt *time.Time                     `json:"analysing_at,omitempty"`
	DecidedAt   *time.Time                     `json:"decided_at,omitempty"`
	ClosedAt    *time.Time                     `json:"closed_at,omitempty"`
	PublicAt    *time.Time                     `json:"public_at,omitempty"`
	OutcomeAt   *time.Time                     `json:"outcome_at,omitempty"`
	Definition  surveys.ConsultationDefinition `json:"definition"`
	// BackgroundHTML and EasyBackgroundHTML: the sanitised HTML of each
	// language's Markdown, exactly what the app receives.
	BackgroundHTML     map[string]string `json:"background_html"`
	EasyBackgroundHTML map[string]string `json:"easy_background_html,omitempty"`
	Surveys            []linkedSurvey    `json:"surveys"`
	Actions            []string          `json:"actions"`
	// Shared: read through a share of one of its surveys (a ministry's
	// view), not as its organisation's.
	Shared bool `json:"shared"`
}

// linkedSurvey is a survey of a consultation, as organisers see it.
type linkedSurvey struct {
	ID     string         `json:"id"`
	Title  string         `json:"title"`
	Status surveys.Status `json:"status"`
}

// renderAll renders a text's Markdown in every language. The texts were
// checked when written (markdown.Check), so rendering cannot fail; a text
// that did would be left out rather than shown unsanitised.
func renderAll(t surveys.Text) map[string]string {
	out := make(map[string]string, len(t))
	for l, md := range t {
		if h, err := markdown.Render(md); err == nil {
			out[l] = h
		}
	}
	return out
}

// renderedPages are a consultation version's information pages in
// every language, as HTML.
type renderedPages struct {
	background, easy map[string]string
	size             int
}

const (
	maxRenderedPageSets = 256
	maxRenderedPageSize = 16 << 20
)

// pagesHTML renders k's information pages in every language once per
// version: up to 20 languages of 20,000 characters each take a second or
// more to render (docs/consultations.md), which an organiser's every read
// must not repeat.
func (cc *consultationCache) pagesHTML(k *surveys.Consultation) (background, easy map[string]string) {
	key := k.ID + "." + strconv.Itoa(k.Version)
	cc.mu.RLock()
	r, ok := cc.pages[key]
	cc.mu.RUnlock()
	if ok {
		return r.background, r.easy
	}
	r.background = renderAll(k.Definition.Background)
	if k.Definition.Easy != nil {
		r.easy = renderAll(k.Definition.Easy.Background)
	}
	for _, m := range []map[string]string{r.background, r.easy} {
		for _, h := range m {
			r.size += len(h)
		}
	}
	cc.mu.Lock()
	if len(cc.pages) >= maxRenderedPageSets || cc.pageBytes+r.size > maxRenderedPageSize {
		clear(cc.pages)
		cc.pageBytes = 0
	}
	cc.pages[key] = r
	cc.pageBytes += r.size
	cc.mu.Unlock()
	return r.background, r.easy
}

func (s *Server) consultationView(c *fiber.Ctx, k *surveys.Consultation, shared bool) (consultationView, error) {
	v := consultationView{
		ID: k.ID, State: k.State, Version: k.Version, CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt,
		OpenedAt: k.OpenedAt, AnalysingAt: k.AnalysingAt, DecidedAt: k.DecidedAt, ClosedAt: k.ClosedAt,
		PublicAt: k.PublicAt, OutcomeAt: k.OutcomeAt, Definition: k.Definition,
		Surveys: []linkedSurvey{}, Actions: []string{}, Shared: shared,
	}
	v.BackgroundHTML, v.EasyBackgroundHTML = s.consultations.pagesHTML(k)
	if !shared {
		for _, m := range consultationMoves {
			if surveys.CanMove(k.State, m.target) {
				v.Actions = append(v.Actions, m.action)
			}
		}
	}
	now := s.now()
	for _, id := range k.Definition.Surveys {
		sv, err := s.store.Survey(c.UserContext(), k.OrgID, id)
		if errors.Is(err, surveys.ErrNotFound) {
			continue // deleted as a draft since it was linked
		}
		if err != nil {
			return v, err
		}
		d := &sv.Draft
		v.Surveys = append(v.Surveys, linkedSurvey{ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), Status: sv.StatusAt(now)})
	}
	return v, nil
}

// consultationProblem explains a consultation's lifecycle errors in the
// request's language: the states are named as the app names them.
func (s *Server) consultationProblem(c *fiber.Ctx, err error) error {
	var te *surveys.TransitionError
	switch {
	case errors.As(err, &te):
		lang := s.lang(c)
		p := newProblem(fiber.StatusConflict, "consultation_transition").
			with("From", s.catalog.Message(lang, "consultation.state."+string(te.From), nil)).
			with("To", s.catalog.Message(lang, "consultation.state."+string(te.To), nil))
		p.cause = err
		return p
	case errors.Is(err, surveys.ErrConsultationNotEditable):
		p := newProblem(fiber.StatusConflict, "consultation_not_editable")
		p.cause = err
		return p
	}
	return err
}

// createConsultation is POST /v1/org/consultations: designers write a
// draft.
func (s *Server) createConsultation(c *fiber.Ctx) error {
	tok, err := caller(c, designers...)
	if err != nil {
		return err
	}
	var def surveys.ConsultationDefinition
	if err := decodeJSON(c, &def); err != nil {
		return err
	}
	k, err := s.workflows.CreateConsultation(c.UserContext(), tok, def)
	if err != nil {
		return err
	}
	view, err := s.consultationView(c, k, false)
	if err != nil {
		return err
	}
	c.Location("/v1/org/consultations/" + k.ID)
	return s.sendJSON(c, fiber.StatusCreated, view)
}

// orgConsultation reads the consultation named in the path, if it is the
// caller's.
func (s *Server) orgConsultation(c *fiber.Ctx, roles ...surveys.Role) (*surveys.Consultation, surveys.Token, error) {
	tok, err := caller(c, roles...)
	if err != nil {
		return nil, tok, err
	}
	k, err := s.store.Consultation(c.UserContext(), tok.OrgID, c.Params("id"))
	return k, tok, err
}

// getConsultation is GET /v1/org/consultations/{id}: any role of its
// organisation; and, read only, an organisation that one of its surveys
// is shared with (a ministry that reads the survey's summaries reads the
// consultation that asked for them), once it is no longer a draft.
func (s *Server) getConsultation(c *fiber.Ctx) error {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	k, shared, err := s.workflows.ReadableConsultation(c.UserContext(), tok, c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendView(c, k, shared)
}

func (s *Server) sendView(c *fiber.Ctx, k *surveys.Consultation, shared bool) error {
	view, err := s.consultationView(c, k, shared)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, view)
}

// updateConsultation is PUT /v1/org/consultations/{id}: designers replace
// the definition (a draft any valid one; a public consultation only a
// complete one; a closed one none).
func (s *Server) updateConsultation(c *fiber.Ctx) error {
	k, tok, err := s.orgConsultation(c, designers...)
	if err != nil {
		return err
	}
	var def surveys.ConsultationDefinition
	if err := decodeJSON(c, &def); err != nil {
		return err
	}
	err = s.workflows.UpdateConsultation(c.UserContext(), tok, k, def)
	s.consultations.forget(k.ID)
	if err != nil {
		return s.consultationProblem(c, err)
	}
	return s.sendView(c, k, false)
}

// moveConsultation is POST /v1/org/consultations/{id}/{action}: designers
// move the consultation to the action's state.
func (s *Server) moveConsultation(action string) fiber.Handler {
	i := slices.IndexFunc(consultationMoves, func(m consultationMove) bool { return m.action == action })
	if i < 0 {
		panic("api: unknown consultation action " + action)
	}
	target := consultationMoves[i].target
	return func(c *fiber.Ctx) error {
		k, tok, err := s.orgConsultation(c, designers...)
		if err != nil {
			return err
		}
		err = s.workflows.MoveConsultation(c.UserContext(), tok, k, target)
		// Forgotten even after a failure: the save may have happened.
		s.consultations.forget(k.ID)
		if err != nil {
			return s.consultationProblem(c, err)
		}
		return s.sendView(c, k, false)
	}
}

// consultationListItem is one line of an organisation's list.
type consultationListItem struct {
	ID                 string                    `json:"id"`
	State              surveys.ConsultationState `json:"state"`
	Title              string                    `json:"title"`
	Languages          []string                  `json:"languages"`
	Surveys            []string                  `json:"surveys"`
	ClosesAt           *time.Time                `json:"closes_at,omitempty"`
	DecisionExpectedBy *time.Time                `json:"decision_expected_by,omitempty"`
	CreatedAt          time.Time                 `json:"created_at"`
	UpdatedAt          time.Time                 `json:"updated_at"`
}

// listConsultations is GET /v1/org/consultations: the organisation's
// consultations, newest first, ?state= one state, ?limit= (at most 200) at
// a time; the next page is at ?before=&after= as given in next_before
// and next_after (as the audit log pages).
func (s *Server) listConsultations(c *fiber.Ctx) error {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	var bad []surveys.FieldError
	state := surveys.ConsultationState(c.Query("state"))
	if state != "" && !state.Valid() {
		bad = append(bad, surveys.FieldError{Pointer: "/state", Code: surveys.CodeInvalid})
	}
	limit := 50
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			bad = append(bad, surveys.FieldError{Pointer: "/limit", Code: surveys.CodeOutOfRange, Params: map[string]any{"Min": 1, "Max": 200}})
		}
		limit = n
	}
	var after store.ConsultationPage
	if b := c.Query("before"); b != "" {
		t, err := time.Parse(time.RFC3339Nano, b)
		if err != nil {
			bad = append(bad, surveys.FieldError{Pointer: "/before", Code: surveys.CodeInvalid})
		}
		after.CreatedAt = t
	}
	after.ID = c.Query("after")
	if len(after.ID) > surveys.MaxSurveyIDLength {
		bad = append(bad, surveys.FieldError{Pointer: "/after", Code: surveys.CodeInvalid})
	}
	if len(bad) > 0 {
		return &surveys.ValidationError{Errors: bad}
	}
	list, err := s.store.Consultations(c.UserContext(), tok.OrgID, state, after, limit)
	if err != nil {
		return err
	}
	items := make([]consultationListItem, len(list))
	for i, k := range list {
		d := &k.Definition
		items[i] = consultationListItem{
			ID: k.ID, State: k.State, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), Languages: d.Languages,
			Surveys: d.Surveys, ClosesAt: d.ClosesAt, DecisionExpectedBy: d.DecisionExpectedBy, CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt,
		}
	}
	resp := fiber.Map{"consultations": items}
	if len(list) == limit {
		last := list[len(list)-1]
		resp["next_before"] = last.CreatedAt.Format(time.RFC3339Nano)
		resp["next_after"] = last.ID
	}
	return s.sendJSON(c, fiber.StatusOK, resp)
}

// The app's side. consultationCache keeps the listed consultations
// (read again every stateTTL, whole documents only of those that
// changed), each public consultation briefly, and the rendered pages and
// consultations by their ETags, within bounds.
type consultationCache struct {
	mu       sync.RWMutex
	listed   []consultEntry
	listedAt time.Time
	states   map[string]cachedConsultation
	rendered map[string]renderedSurvey // by ETag: pages, consultations and update pages
	bytes    int
	// pages: the organisers' view of information pages, by id and version.
	pages     map[string]renderedPages
	pageBytes int
}

type consultEntry struct {
	k       *surveys.Consultation
	since   int64 // Unix milliseconds: when it opened, the list's order
	matcher i18n.Matcher
}

type cachedConsultation struct {
	k       *surveys.Consultation
	matcher i18n.Matcher
	fetched time.Time
}

const (
	maxCachedConsultations = 10000
	maxRenderedConsult     = 2048
	maxRenderedConsultSize = 32 << 20
	consultFormat          = "c.1" // in every ETag: changes when the format does
	// maxUpdatesAge bounds ?since= of the updates feed: an app that has
	// not asked for longer starts again from the list.
	maxUpdatesAge      = 400 * 24 * time.Hour
	defaultUpdatesPage = 100
)

func newConsultationCache() *consultationCache {
	return &consultationCache{states: map[string]cachedConsultation{}, rendered: map[string]renderedSurvey{}, pages: map[string]renderedPages{}}
}

// forget drops what this process knows of a consultation after it changed it.
func (cc *consultationCache) forget(id string) {
	cc.mu.Lock()
	delete(cc.states, id)
	cc.listedAt = time.Time{}
	cc.mu.Unlock()
}

// keep stores a rendered body under its ETag, within the cache's bounds.
func (cc *consultationCache) keep(r renderedSurvey) {
	size := len(r.identity) + len(r.gzip) + len(r.br)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.rendered) >= maxRenderedConsult || cc.bytes+size > maxRenderedConsultSize {
		clear(cc.rendered)
		cc.bytes = 0
	}
	if _, ok := cc.rendered[r.etag]; !ok {
		cc.rendered[r.etag] = r
		cc.bytes += size
	}
}

func (cc *consultationCache) lookup(etag string) (renderedSurvey, bool) {
	cc.mu.RLock()
	defer cc.mu.RUnlock()
	r, ok := cc.rendered[etag]
	return r, ok
}

// compressed is body in every coding, under etag.
func compressed(body []byte, etag string) renderedSurvey {
	return renderedSurvey{
		identity: body,
		gzip:     fasthttp.AppendGzipBytesLevel(nil, body, fasthttp.CompressDefaultCompression),
		br:       fasthttp.AppendBrotliBytesLevel(nil, body, fasthttp.CompressBrotliDefaultCompression),
		etag:     etag,
	}
}

// etagOf hashes the parts that determine a body into a strong ETag.
func etagOf(prefix string, parts ...string) string {
	h := fnv.New128a()
	h.Write([]byte(consultFormat))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	var buf [16]byte
	return `"` + prefix + hex.EncodeToString(h.Sum(buf[:0])) + `"`
}

// sendRendered answers with r in the coding the client accepts, or 304;
// r without compressed codings (the updates feed: small, and read fresh
// every time) is sent as it is.
func sendRendered(c *fiber.Ctx, r renderedSurvey, cacheControl string) error {
	body, coding, tag := r.identity, "", r.etag
	if r.gzip != nil {
		body, coding, tag = r.pick(c.Get(fiber.HeaderAcceptEncoding))
	}
	c.Set(fiber.HeaderETag, tag)
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderVary, "Accept-Language, Accept-Encoding")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), tag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	if coding != "" {
		c.Set(fiber.HeaderContentEncoding, coding)
	}
	return c.Send(body)
}

// listedConsultations is the app's list in its order, read from the store
// at most every stateTTL.
func (s *Server) listedConsultations(c *fiber.Ctx) ([]consultEntry, error) {
	now := s.now()
	cc := s.consultations
	cc.mu.RLock()
	entries, at := cc.listed, cc.listedAt
	cc.mu.RUnlock()
	if entries != nil && !at.IsZero() && now.Sub(at) < stateTTL && now.Sub(at) >= 0 {
		return entries, nil
	}
	known := make(map[string]*surveys.Consultation, len(entries))
	matchers := make(map[*surveys.Consultation]i18n.Matcher, len(entries))
	for _, e := range entries {
		known[e.k.ID] = e.k
		matchers[e.k] = e.matcher
	}
	list, err := s.store.ListedConsultations(c.UserContext(), known)
	if err != nil {
		return nil, err
	}
	fresh := make([]consultEntry, len(list))
	for i, k := range list {
		m, ok := matchers[k]
		if !ok {
			m = i18n.NewMatcher(k.Definition.LanguagesDefaultFirst())
		}
		since := k.CreatedAt
		if k.OpenedAt != nil {
			since = *k.OpenedAt
		}
		fresh[i] = consultEntry{k: k, since: since.UnixMilli(), matcher: m}
	}
	// The store's order (opened, newest first, then id) is the cursor's.
	slices.SortStableFunc(fresh, func(a, b consultEntry) int {
		return comparePositions(listPosition{a.since, a.k.ID}, listPosition{b.since, b.k.ID})
	})
	cc.mu.Lock()
	cc.listed, cc.listedAt = fresh, now
	cc.mu.Unlock()
	return fresh, nil
}

// appConsultationItem is one consultation in the app's list, in the young
// person's language.
type appConsultationItem struct {
	ID                 string                    `json:"id"`
	Lang               string                    `json:"lang"`
	Dir                string                    `json:"dir"`
	State              surveys.ConsultationState `json:"state"`
	Title              string                    `json:"title"`
	Summary            string                    `json:"summary"`
	Easy               bool                      `json:"easy"`
	Question           string                    `json:"question"`
	DecisionMaker      string                    `json:"decision_maker"`
	OpensAt            *time.Time                `json:"opens_at,omitempty"`
	ClosesAt           *time.Time                `json:"closes_at,omitempty"`
	DecisionExpectedBy *time.Time                `json:"decision_expected_by,omitempty"`
	MinAge             int                       `json:"min_age,omitempty"`
	MaxAge             int                       `json:"max_age,omitempty"`
	Languages          []string                  `json:"languages"`
	OutcomeAt          *time.Time                `json:"outcome_at,omitempty"`
	UpdatedAt          *time.Time                `json:"updated_at,omitempty"`
}

type consultPageItem struct {
	e    *consultEntry
	lang string
	easy bool
}

// appConsultations is GET /v1/consultations: a page of the open,
// analysing and decided consultations for this audience (?age=,
// ?region=, as GET /v1/surveys filters), each in its best language (and
// in its easy version for an ?age= it is written for), ?limit= at a time
// from ?cursor=, with a strong ETag per page.
func (s *Server) appConsultations(c *fiber.Ctx) error {
	q, err := parseListQuery(c)
	if err != nil {
		return err
	}
	entries, err := s.listedConsultations(c)
	if err != nil {
		return err
	}
	prefs := i18n.ParsePrefs(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	start := 0
	if q.after != nil {
		start = sort.Search(len(entries), func(i int) bool {
			return comparePositions(listPosition{entries[i].since, entries[i].k.ID}, *q.after) > 0
		})
	}
	items := make([]consultPageItem, 0, min(q.limit, len(entries)-start))
	next := ""
	for i := start; i < len(entries); i++ {
		e := &entries[i]
		if !inAudience(e.k.Definition.Audience, q.age, q.region) {
			continue
		}
		if len(items) == q.limit {
			last := items[len(items)-1].e
			next = encodeCursor(listPosition{last.since, last.k.ID})
			break
		}
		items = append(items, consultPageItem{e: e, lang: e.matcher.Pick(prefs), easy: e.k.Definition.EasyFor(q.age)})
	}
	parts := []string{"list", next}
	for _, it := range items {
		parts = append(parts, it.e.k.ID, strconv.Itoa(it.e.k.Version), it.lang, strconv.FormatBool(it.easy))
	}
	etag := etagOf("cl", parts...)
	s.setConsultationListHeaders(c, q, items, next)
	r, ok := s.consultations.lookup(etag)
	if !ok {
		if r, err = renderConsultationPage(items, next, etag); err != nil {
			return err
		}
		s.consultations.keep(r)
	}
	return sendRendered(c, r, "public, max-age=30")
}

func renderConsultationPage(items []consultPageItem, next, etag string) (renderedSurvey, error) {
	page := struct {
		Consultations []appConsultationItem `json:"consultations"`
		Next          string                `json:"next,omitempty"`
	}{Consultations: make([]appConsultationItem, len(items)), Next: next}
	for i, it := range items {
		k, d, lang := it.e.k, &it.e.k.Definition, it.lang
		summary := d.Text(d.Summary, lang)
		if it.easy && d.Text(d.Easy.Summary, lang) != "" {
			summary = d.Text(d.Easy.Summary, lang)
		}
		page.Consultations[i] = appConsultationItem{
			ID: k.ID, Lang: lang, Dir: i18n.Direction(lang), State: k.State, Title: d.Text(d.Title, lang),
			Summary: summary, Easy: it.easy, Question: d.Text(d.Question, lang), DecisionMaker: d.Text(d.DecisionMaker, lang),
			OpensAt: d.OpensAt, ClosesAt: d.ClosesAt, DecisionExpectedBy: d.DecisionExpectedBy,
			MinAge: d.Audience.MinAge, MaxAge: d.Audience.MaxAge, Languages: d.Languages, OutcomeAt: k.OutcomeAt, UpdatedAt: k.PublicAt,
		}
	}
	body, err := json.Marshal(page)
	if err != nil {
		return renderedSurvey{}, err
	}
	return compressed(body, etag), nil
}

// setConsultationListHeaders: Content-Language lists the page's languages
// (the server's for an empty page); Link the next page, with the filters.
func (s *Server) setConsultationListHeaders(c *fiber.Ctx, q listQuery, items []consultPageItem, next string) {
	langs := make([]string, 0, len(items))
	for _, it := range items {
		langs = append(langs, it.lang)
	}
	s.setPageHeaders(c, "/v1/consultations", q, langs, next)
}

// publicConsultation returns a consultation for the app from the cache
// when it is fresh (stateTTL), else from the store.
func (s *Server) publicConsultation(c *fiber.Ctx, id string) (cachedConsultation, error) {
	now := s.now()
	cc := s.consultations
	cc.mu.RLock()
	e, ok := cc.states[id]
	cc.mu.RUnlock()
	if ok && now.Sub(e.fetched) < stateTTL && now.Sub(e.fetched) >= 0 {
		return e, nil
	}
	if len(id) > surveys.MaxSurveyIDLength || !validListID(id) {
		return e, surveys.ErrNotFound
	}
	k, err := s.store.PublicConsultation(c.UserContext(), strings.Clone(id))
	if err != nil {
		return e, err
	}
	e = cachedConsultation{k: k, matcher: i18n.NewMatcher(k.Definition.LanguagesDefaultFirst()), fetched: now}
	cc.mu.Lock()
	if len(cc.states) >= maxCachedConsultations {
		clear(cc.states)
	}
	cc.states[k.ID] = e
	cc.mu.Unlock()
	return e, nil
}

// appConsultation is a consultation as the app shows it, in one language.
type appConsultation struct {
	ID             string                    `json:"id"`
	Lang           string                    `json:"lang"`
	Dir            string                    `json:"dir"`
	State          surveys.ConsultationState `json:"state"`
	Title          string                    `json:"title"`
	Summary        string                    `json:"summary"`
	Background     string                    `json:"background"`
	BackgroundHTML string                    `json:"background_html"`
	Easy           *appEasy                  `json:"easy,omitempty"`
	Question       string                    `json:"question"`
	DecisionMaker  string                    `json:"decision_maker"`
	Timeline       appTimeline               `json:"timeline"`
	MinAge         int                       `json:"min_age,omitempty"`
	MaxAge         int                       `json:"max_age,omitempty"`
	Regions        []string                  `json:"regions,omitempty"`
	Languages      []string                  `json:"languages"`
	Surveys        []appLinkedSurvey         `json:"surveys"`
	UpdatedAt      *time.Time                `json:"updated_at,omitempty"`
	OutcomeAt      *time.Time                `json:"outcome_at,omitempty"`
	// Outcome is reserved for "you said, we did": null until an outcome
	// is published (docs/consultations.md).
	Outcome any `json:"outcome"`
}

type appEasy struct {
	MaxAge         int    `json:"max_age"`
	Summary        string `json:"summary,omitempty"`
	Background     string `json:"background,omitempty"`
	BackgroundHTML string `json:"background_html,omitempty"`
}

type appTimeline struct {
	OpensAt            *time.Time `json:"opens_at,omitempty"`
	ClosesAt           *time.Time `json:"closes_at,omitempty"`
	DecisionExpectedBy *time.Time `json:"decision_expected_by,omitempty"`
	OpenedAt           *time.Time `json:"opened_at,omitempty"`
	AnalysingAt        *time.Time `json:"analysing_at,omitempty"`
	DecidedAt          *time.Time `json:"decided_at,omitempty"`
	ClosedAt           *time.Time `json:"closed_at,omitempty"`
}

// appLinkedSurvey is what the app learns of a linked survey: public facts
// only (no counts, no drafts).
type appLinkedSurvey struct {
	ID       string         `json:"id"`
	Lang     string         `json:"lang"`
	Title    string         `json:"title"`
	Status   surveys.Status `json:"status"`
	Open     bool           `json:"open"` // the app can take it now
	ClosesAt *time.Time     `json:"closes_at,omitempty"`
}

// appConsultationHandler is GET /v1/consultations/{id}: a public
// consultation (any state but draft: a closed one stays readable) in the
// young person's language, with its information pages as Markdown and as
// sanitised HTML, and its published surveys with their states. Its ETag
// names the consultation's version, the language and its surveys'
// states, so a survey closing changes it too.
func (s *Server) appConsultationHandler(c *fiber.Ctx) error {
	e, err := s.publicConsultation(c, c.Params("id"))
	if err != nil {
		return err
	}
	k := e.k
	if !k.State.Public() {
		return surveys.ErrNotFound
	}
	explicit, accept := c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage)
	lang := e.matcher.Best(explicit, accept)
	now := s.now()
	linked := make([]appLinkedSurvey, 0, len(k.Definition.Surveys))
	parts := []string{"item", k.ID, strconv.Itoa(k.Version), lang}
	for i, id := range k.Definition.Surveys {
		if i >= surveys.MaxConsultationSurveys {
			break
		}
		cs, err := s.publicSurvey(c, id)
		if errors.Is(err, surveys.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		sv := cs.survey
		if sv.Status == surveys.Draft || sv.OrgID != k.OrgID {
			continue
		}
		slang := cs.lang(explicit, accept)
		ls := appLinkedSurvey{ID: sv.ID, Lang: slang, Title: sv.Draft.Title.In(slang, sv.Draft.DefaultLanguage),
			Status: sv.StatusAt(now), Open: sv.Listed(now), ClosesAt: sv.Draft.ClosesAt}
		linked = append(linked, ls)
		parts = append(parts, sv.ID, strconv.Itoa(sv.Version), slang, string(ls.Status), strconv.FormatBool(ls.Open))
	}
	etag := etagOf("c", parts...)
	c.Set(fiber.HeaderContentLanguage, lang)
	r, ok := s.consultations.lookup(etag)
	if !ok {
		view := localizeConsultation(k, lang, linked)
		if view.Outcome, err = s.appOutcome(c, k, lang); err != nil { // outcomes.go
			return err
		}
		body, err := json.Marshal(view)
		if err != nil {
			return err
		}
		r = compressed(body, etag)
		s.consultations.keep(r)
	}
	return sendRendered(c, r, "public, max-age=60")
}

func localizeConsultation(k *surveys.Consultation, lang string, linked []appLinkedSurvey) appConsultation {
	d := &k.Definition
	bg := d.Text(d.Background, lang)
	html, _ := markdown.Render(bg) // checked when written
	out := appConsultation{
		ID: k.ID, Lang: lang, Dir: i18n.Direction(lang), State: k.State, Title: d.Text(d.Title, lang),
		Summary: d.Text(d.Summary, lang), Background: bg, BackgroundHTML: html,
		Question: d.Text(d.Question, lang), DecisionMaker: d.Text(d.DecisionMaker, lang),
		Timeline: appTimeline{
			OpensAt: d.OpensAt, ClosesAt: d.ClosesAt, DecisionExpectedBy: d.DecisionExpectedBy,
			OpenedAt: k.OpenedAt, AnalysingAt: k.AnalysingAt, DecidedAt: k.DecidedAt, ClosedAt: k.ClosedAt,
		},
		MinAge: d.Audience.MinAge, MaxAge: d.Audience.MaxAge, Regions: d.Audience.Regions, Languages: d.Languages,
		Surveys: linked, UpdatedAt: k.PublicAt, OutcomeAt: k.OutcomeAt,
	}
	if d.Easy != nil {
		ebg := d.Text(d.Easy.Background, lang)
		ehtml, _ := markdown.Render(ebg)
		out.Easy = &appEasy{MaxAge: d.Easy.MaxAge, Summary: d.Text(d.Easy.Summary, lang), Background: ebg, BackgroundHTML: ehtml}
	}
	return out
}

// updatesQuery is a request for a page of the updates feed: after the
// position (since, afterID), at most limit.
type updatesQuery struct {
	since   time.Time
	afterID string
	limit   int
}

// parseUpdatesQuery reads ?since= (or ?cursor=) and ?limit=, with a
// pointer to each bad one; since may go back at most maxUpdatesAge.
func (s *Server) parseUpdatesQuery(c *fiber.Ctx) (updatesQuery, error) {
	now := s.now()
	q := updatesQuery{limit: defaultUpdatesPage}
	var bad []surveys.FieldError
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPageSize {
			bad = append(bad, surveys.FieldError{Pointer: "/limit", Code: surveys.CodeOutOfRange, Params: map[string]any{"Min": 1, "Max": maxPageSize}})
		}
		q.limit = n
	}
	earliest := now.Add(-maxUpdatesAge).UTC().Truncate(time.Second)
	if cur := c.Query("cursor"); cur != "" {
		p, ok := decodeCursor(cur)
		if !ok {
			bad = append(bad, surveys.FieldError{Pointer: "/cursor", Code: surveys.CodeInvalid})
		}
		q.since, q.afterID = time.UnixMilli(p.since), p.id
	} else if v := c.Query("since"); v == "" {
		bad = append(bad, surveys.FieldError{Pointer: "/since", Code: surveys.CodeRequired})
	} else if t, err := time.Parse(time.RFC3339Nano, v); err != nil || len(v) > 40 {
		bad = append(bad, surveys.FieldError{Pointer: "/since", Code: surveys.CodeInvalid})
	} else {
		q.since = t
	}
	if len(bad) == 0 && q.since.Before(earliest) {
		bad = append(bad, surveys.FieldError{Pointer: "/since", Code: surveys.CodeOutOfRange,
			Params: map[string]any{"Min": earliest.Format(time.RFC3339), "Max": now.UTC().Truncate(time.Second).Format(time.RFC3339)}})
	}
	if len(bad) > 0 {
		return q, &surveys.ValidationError{Errors: bad}
	}
	return q, nil
}

// consultationUpdates is GET /v1/consultations/updates?since=: the public
// consultations whose public content changed (published, moved, updated,
// an outcome published) after a moment, oldest change first, ?limit= at a
// time, the next page at ?cursor=. It answers only ids, states and times:
// an app compares them with what it remembers, on the device, of the
// consultations a young person took part in. Nobody registers, and the
// server keeps nothing per client (the log line names the route, never
// the query).
func (s *Server) consultationUpdates(c *fiber.Ctx) error {
	q, err := s.parseUpdatesQuery(c)
	if err != nil {
		return err
	}
	since, afterID, limit := q.since, q.afterID, q.limit
	// One more than the page, to know whether there is a next one.
	list, err := s.store.ConsultationUpdates(c.UserContext(), since, afterID, limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		next = encodeCursor(listPosition{last.PublicAt.UnixMilli(), last.ID})
	}
	type update struct {
		ID        string     `json:"id"`
		State     string     `json:"state"`
		UpdatedAt time.Time  `json:"updated_at"`
		OutcomeAt *time.Time `json:"outcome_at,omitempty"`
	}
	page := struct {
		Updates []update `json:"updates"`
		Next    string   `json:"next,omitempty"`
	}{Updates: make([]update, len(list)), Next: next}
	parts := []string{"updates", next}
	for i, u := range list {
		page.Updates[i] = update{ID: u.ID, State: u.State, UpdatedAt: u.PublicAt, OutcomeAt: u.OutcomeAt}
		parts = append(parts, u.ID, u.State, strconv.FormatInt(u.PublicAt.UnixMilli(), 10))
		if u.OutcomeAt != nil {
			parts = append(parts, strconv.FormatInt(u.OutcomeAt.UnixMilli(), 10))
		}
	}
	body, err := json.Marshal(page)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentLanguage, s.lang(c))
	if next != "" {
		c.Set(fiber.HeaderLink, "</v1/consultations/updates?"+url.Values{"cursor": {next}, "limit": {strconv.Itoa(limit)}}.Encode()+`>; rel="next"`)
	}
	return sendRendered(c, renderedSurvey{identity: body, etag: etagOf("u", parts...)}, "public, max-age=60")
}
