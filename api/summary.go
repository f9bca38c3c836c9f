package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// summaryView is what GET .../summary and GET .../results return.
type summaryView struct {
	SurveyID string          `json:"survey_id"`
	Revision int             `json:"revision"`
	Title    string          `json:"title"`
	Lang     string          `json:"lang"`
	Dir      string          `json:"dir"`
	View     string          `json:"view"` // "release" or "live"
	Released string          `json:"released,omitempty"`
	Frozen   bool            `json:"final,omitempty"`
	Results  surveys.Results `json:"results"`
}

// protectedCache keeps each release's disclosure-controlled tables, which
// never change, and each rendering of them for a second, so that reading a
// summary costs the same at any number of responses: the release moves
// only every k responses, and a reader sees a new one within a second.
type protectedCache struct {
	mu       sync.Mutex
	m        map[protectedKey]*surveys.Protected
	rendered map[renderedKey]renderedSummary
}

type renderedKey struct {
	survey, lang, by string
	revision         int
	public           bool
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
	p, ok := pc.m[key]
	pc.mu.Unlock()
	if ok {
		return p
	}
	// Computed outside the lock: other surveys' readers need not wait. Two
	// readers of a new release may both compute it; the results are equal.
	p = make()
	pc.mu.Lock()
	if pc.m == nil || len(pc.m) > 1000 {
		pc.m = map[protectedKey]*surveys.Protected{}
	}
	pc.m[key] = p
	pc.mu.Unlock()
	return p
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
		if q := sv.Draft.Question(by); q == nil || !q.Breakdown {
			return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/by", Code: surveys.CodeUnknownQuestion}}}
		}
	}
	def := &sv.Draft
	lang := i18n.NewMatcher(surveyLanguages(def)).Best(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	rkey := renderedKey{survey: sv.ID, lang: lang, by: by, revision: sv.Revision, public: c.Locals(localToken) == nil}
	if !live {
		s.protected.mu.Lock()
		r, ok := s.protected.rendered[rkey]
		s.protected.mu.Unlock()
		if ok && s.now().Sub(r.at) < renderTTL && s.now().Sub(r.at) >= 0 {
			return s.sendSummaryBody(c, r.body, lang)
		}
	}
	sum, err := s.store.Summary(c.UserContext(), sv.ID)
	if err != nil {
		return err
	}
	k := def.Threshold()
	var p *surveys.Protected
	view := "release"
	if live {
		view = "live"
		p = surveys.Exact(def, sum.Tally)
	} else {
		p = s.protected.get(protectedKey{sv.ID, sv.Revision, sum.ReleaseN, k}, func() *surveys.Protected {
			return surveys.Disclose(def, sum.ReleaseTally, k)
		})
	}
	v := summaryView{
		SurveyID: sv.ID, Revision: sv.Revision, Title: def.Title.In(lang, def.DefaultLanguage), Lang: lang, Dir: i18n.Direction(lang),
		View: view, Frozen: sum.Frozen && !live,
		Results: p.Results(lang, by, s.catalog.Message(s.catalogLang(lang), "text.not_answered", nil)),
	}
	if !live {
		v.Released = sum.ReleaseDay
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !live {
		s.protected.mu.Lock()
		if s.protected.rendered == nil || len(s.protected.rendered) > 10000 {
			s.protected.rendered = map[renderedKey]renderedSummary{}
		}
		s.protected.rendered[rkey] = renderedSummary{body: body, lang: lang, at: s.now()}
		s.protected.mu.Unlock()
	}
	return s.sendSummaryBody(c, body, lang)
}

func (s *Server) sendSummaryBody(c *fiber.Ctx, body []byte, lang string) error {
	c.Set(fiber.HeaderCacheControl, "private, max-age=1")
	c.Set(fiber.HeaderContentLanguage, lang)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(fiber.StatusOK).Send(body)
}

// catalogLang is the server language closest to a survey language.
func (s *Server) catalogLang(lang string) string { return s.catalog.Negotiate(lang, "") }

// closeSummary recomputes a closed survey's summary from its stored
// responses and freezes its release.
func (s *Server) closeSummary(ctx context.Context, sv *surveys.Survey) error {
	s.summarizer.Flush(ctx)
	t, err := s.store.Recount(ctx, sv.ID, s.defs)
	if err != nil {
		return err
	}
	return s.store.ReplaceSummary(ctx, sv.ID, t, sv.Draft.Threshold(), true)
}

func jsonEncode(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
