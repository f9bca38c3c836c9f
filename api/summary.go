package api

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// protectedCache keeps the disclosure-controlled tables of each survey's
// latest release, which never change and are the only ones that can be
// asked for again (a release only moves forward), and each rendering of
// them for a second, so that reading a summary costs the same at any
// number of responses. Both are bounded in bytes: a long-running server
// with many surveys and many releases keeps a flat memory.
type protectedCache struct {
	mu            sync.Mutex
	latest        map[string]protectedEntry // survey -> tables of its latest release
	latestBytes   int
	rendered      map[renderedKey]renderedSummary
	renderedBytes int
	failures      map[failedKey]error // weightings that could not be made
}

// failedKey names a weighting that could not be made: the survey, the
// release (its number of responses) and the margins' tag.
type failedKey struct {
	survey  string
	release int
	tag     string
}

// maxFailed bounds the failed weightings remembered.
const maxFailed = 1024

// failed is the error a weighting gave before, if any.
func (pc *protectedCache) failed(k failedKey) error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.failures[k]
}

// fail remembers a weighting's error (all are forgotten when full).
func (pc *protectedCache) fail(k failedKey, err error) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.failures == nil || len(pc.failures) >= maxFailed {
		pc.failures = map[failedKey]error{}
	}
	pc.failures[k] = err
}

type protectedEntry struct {
	key  protectedKey
	p    *surveys.Protected
	size int
}

// Bounds of the caches. A protected release costs about 200 bytes a cell
// (the largest valid survey, surveys.MaxSummaryCells cells, about 10 MB).
const (
	protectedCacheBytes = 64 << 20
	renderedCacheBytes  = 16 << 20
	bytesPerCell        = 200
)

type renderedKey struct {
	survey, lang, by string
	revision, level  int
	public           bool
	weighting        string // the margins' tag with ?weighted=true, else ""
}

type renderedSummary struct {
	body []byte
	lang string
	at   time.Time
}

// renderTTL is how long a rendered release is served from memory.
const renderTTL = time.Second

type protectedKey struct {
	survey   string
	revision int
	n        int
	k        int
}

func (pc *protectedCache) get(key protectedKey, make func() *surveys.Protected) *surveys.Protected {
	pc.mu.Lock()
	e, ok := pc.latest[key.survey]
	pc.mu.Unlock()
	if ok && e.key == key {
		return e.p
	}
	// Computed outside the lock: other surveys' readers need not wait. Two
	// readers of a new release may both compute it; the results are equal.
	p := make()
	size := p.Cells() * bytesPerCell
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.latest == nil {
		pc.latest = map[string]protectedEntry{}
	}
	if old, ok := pc.latest[key.survey]; ok {
		if old.key.n > key.n && old.key.revision >= key.revision {
			return p // a newer release is cached already (a slow reader)
		}
		pc.latestBytes -= old.size
		delete(pc.latest, key.survey)
	}
	for id, other := range pc.latest { // over the bound: forget other surveys
		if pc.latestBytes+size <= protectedCacheBytes {
			break
		}
		pc.latestBytes -= other.size
		delete(pc.latest, id)
	}
	if size <= protectedCacheBytes {
		pc.latest[key.survey] = protectedEntry{key, p, size}
		pc.latestBytes += size
	}
	return p
}

// render returns a rendering made less than renderTTL ago.
func (pc *protectedCache) render(key renderedKey, now time.Time) ([]byte, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	r, ok := pc.rendered[key]
	if !ok || now.Sub(r.at) >= renderTTL || now.Before(r.at) {
		return nil, false
	}
	return r.body, true
}

// keepRendering keeps a rendering for renderTTL, within the byte bound:
// expired renderings go first, then all.
func (pc *protectedCache) keepRendering(key renderedKey, body []byte, lang string, now time.Time) {
	if len(body) > renderedCacheBytes {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.rendered == nil {
		pc.rendered = map[renderedKey]renderedSummary{}
	}
	if old, ok := pc.rendered[key]; ok {
		pc.renderedBytes -= len(old.body)
		delete(pc.rendered, key)
	}
	if pc.renderedBytes+len(body) > renderedCacheBytes {
		for k, r := range pc.rendered {
			if now.Sub(r.at) >= renderTTL || now.Before(r.at) {
				pc.renderedBytes -= len(r.body)
				delete(pc.rendered, k)
			}
		}
	}
	if pc.renderedBytes+len(body) > renderedCacheBytes {
		clear(pc.rendered)
		pc.renderedBytes = 0
	}
	pc.rendered[key] = renderedSummary{body: body, lang: lang, at: now}
	pc.renderedBytes += len(body)
}

// sizes reports what the caches hold (tests).
func (pc *protectedCache) sizes() (releases, releaseBytes, renderings, renderingBytes int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.latest), pc.latestBytes, len(pc.rendered), pc.renderedBytes
}

// orgSummary is GET /v1/org/surveys/{id}/summary: the disclosure-controlled
// release, or for owners and editors with ?view=live the exact live tally
// (recorded in the audit log).
func (s *Server) orgSummary(c *fiber.Ctx) error {
	sv, tok, shared, err := s.summarySurvey(c)
	if err != nil {
		return err
	}
	live := false
	switch c.Query("view") {
	case "", "release":
	case "live":
		if _, err := caller(c, designers...); err != nil || shared {
			return newProblem(fiber.StatusForbidden, "forbidden")
		}
		live = true
	default:
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/view", Code: surveys.CodeInvalid}}}
	}
	if live && c.Method() == fiber.MethodHead {
		// A HEAD shows nothing: no audit entry, and no tally read.
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.SendStatus(fiber.StatusOK)
	}
	if live {
		if err := s.store.Audit(c.UserContext(), store.AuditEntry{OrgID: tok.OrgID, TokenID: tok.ID, Action: "live_view", SurveyID: sv.ID, At: s.now()}); err != nil {
			return err
		}
	}
	return s.sendSummary(c, sv, live)
}

// publicResults is GET /v1/surveys/{id}/results: for surveys whose results
// are public, the disclosure-controlled release in the young person's
// language.
func (s *Server) publicResults(c *fiber.Ctx) error {
	cs, err := s.publicSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	sv := cs.survey
	if sv.Status == surveys.Draft || !sv.Draft.PublicResults {
		return surveys.ErrNotFound
	}
	return s.sendSummary(c, sv, false)
}

// sendSummary writes a survey's results in the best of its languages for
// the request: the release through disclosure control, or the live tally.
func (s *Server) sendSummary(c *fiber.Ctx, sv *surveys.Survey, live bool) error {
	by := strings.Clone(c.Query("by")) // kept in the render cache's keys

	if by != "" {
		if err := sv.Draft.CheckBreakdown("/by", by); err != nil {
			return err
		}
	}
	level, err := summaryLevel(c)
	if err != nil {
		return err
	}
	weighting, err := s.summaryWeighting(c, sv)
	if err != nil {
		return err
	}
	def := &sv.Draft
	lang := i18n.NewMatcher(def.LanguagesDefaultFirst()).Best(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	rkey := renderedKey{survey: sv.ID, lang: lang, by: by, revision: sv.Revision, level: level, public: c.Locals(localToken) == nil}
	if weighting != nil {
		rkey.weighting = weighting.Tag
	}
	if !live {
		if body, ok := s.protected.render(rkey, s.now()); ok {
			return s.sendSummaryBody(c, body, lang)
		}
	}
	read := s.store.Summary
	if weighting != nil {
		read = func(ctx context.Context, id string) (*store.Summary, error) {
			return s.store.SummaryCells(ctx, id, live)
		}
	}
	sum, err := read(c.UserContext(), sv.ID)
	if err != nil {
		return err
	}
	k := def.Threshold()
	var p *surveys.Protected
	view := export.ViewRelease
	if live {
		view = export.ViewLive
		p = surveys.Exact(def, sum.Tally)
	} else {
		p = s.protected.get(protectedKey{sv.ID, sv.Revision, sum.ReleaseN, k}, func() *surveys.Protected {
			return surveys.Disclose(def, sum.ReleaseTally, k)
		})
	}
	uiLang := s.catalogLang(lang)
	notAnswered := s.catalog.Message(uiLang, "text.not_answered", nil)
	results := p.Results(lang, by, notAnswered)
	results.SetLevel(level)
	// The release's document is the JSON summary export's without its
	// breakdowns and method note: one shape (export.Document).
	v := export.Document{
		SurveyID: sv.ID, Revision: sv.Revision, Title: def.Title.In(lang, def.DefaultLanguage), Lang: lang, Dir: i18n.Direction(lang),
		View: view, Final: sum.Frozen && !live,
		Results: results,
		Status:  p.Status(sum.Tally.Responses, sum.Frozen, lang, notAnswered),
	}
	if !live {
		v.Released = sum.ReleaseDay
		v.Notes = export.StatusNotes(v.Status, sum.ReleaseN == 0 || sum.ReleaseDay == "", uiLang, s.catalog)
		if !results.Withheld {
			v.Notes = append(v.Notes, export.IntervalNote(level, uiLang, s.catalog))
		}
	}
	if weighting != nil && live {
		// The owners' audited preview (orgSummary audited the live view).
		if v.Weighted, err = s.workflows.LiveWeighted(c.UserContext(), sv, sum, lang, level); err != nil {
			return err
		}
		v.Notes = append(v.Notes, export.WeightingNotes(v.Weighted, uiLang, s.catalog)...)
	}
	if weighting != nil && !live {
		// A weighting that cannot be made is remembered for its release
		// and margins: raking again at every request would cost up to
		// every sweep each time (an attack review's availability note).
		fkey := failedKey{sv.ID, sum.ReleaseN, weighting.Tag}
		if err := s.protected.failed(fkey); err != nil {
			return err
		}
		if v.Weighted, err = s.workflows.Weighted(c.UserContext(), sv, sum, p, lang, level); err != nil {
			var unusable *surveys.ErrWeightingUnusable
			if errors.As(err, &unusable) {
				s.protected.fail(fkey, err)
			}
			return err
		}
		v.Notes = append(v.Notes, export.WeightingNotes(v.Weighted, uiLang, s.catalog)...)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !live {
		s.protected.keepRendering(rkey, body, lang, s.now())
	}
	return s.sendSummaryBody(c, body, lang)
}

// summaryWeighting reads ?weighted=true|false: the survey's margins when
// weighted figures are asked for (409 no_weighting without margins), nil
// otherwise.
func (s *Server) summaryWeighting(c *fiber.Ctx, sv *surveys.Survey) (*store.Weighting, error) {
	switch c.Query("weighted") {
	case "", "false":
		return nil, nil
	case "true":
		return s.workflows.WeightingFor(c.UserContext(), sv)
	}
	return nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/weighted", Code: surveys.CodeInvalid}}}
}

// summaryLevel reads ?level=, the confidence level of the intervals (90,
// 95 or 99 percent; 95 when absent).
func summaryLevel(c *fiber.Ctx) (int, error) {
	q := c.Query("level")
	if q == "" {
		return surveys.DefaultLevel, nil
	}
	level, err := strconv.Atoi(q)
	if err != nil || !surveys.ValidLevel(level) {
		return 0, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/level", Code: surveys.CodeLevel}}}
	}
	return level, nil
}

func (s *Server) sendSummaryBody(c *fiber.Ctx, body []byte, lang string) error {
	c.Set(fiber.HeaderCacheControl, "private, max-age=1")
	c.Set(fiber.HeaderContentLanguage, lang)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(fiber.StatusOK).Send(body)
}

// catalogLang is the server language closest to a survey language.
func (s *Server) catalogLang(lang string) string { return s.catalog.Negotiate(lang, "") }
