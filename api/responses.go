package api

import (
	"context"
	"encoding/csv"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// maxSubmissionBytes bounds one submission's body (the global body limit
// is for survey definitions).
const maxSubmissionBytes = 64 << 10

// Steps named for fault injection in tests (see also app's submit.go).
const (
	// stepExporting is before each row of a response export.
	stepExporting = "exporting"
)

// submitResponse is POST /v1/surveys/{id}/responses: one young person's
// answers, stored exactly once, with nothing that identifies them.
func (s *Server) submitResponse(c *fiber.Ctx) error {
	if len(c.Body()) > maxSubmissionBytes {
		s.refused(app.RefusedBodyTooLarge)
		return newProblem(fiber.StatusRequestEntityTooLarge, "body_too_large")
	}
	var sub surveys.Submission
	if err := decodeJSON(c, &sub); err != nil {
		s.refused(app.RefusedInvalid)
		return err
	}
	ctx := c.UserContext()
	sv, err := s.submittedSurvey(c, c.Params("id"))
	if errors.Is(err, surveys.ErrNotFound) {
		s.refused(app.RefusedSurveyNotFound)
		return err
	}
	if err != nil {
		s.refused(app.RefusedUnavailable)
		return retryable(err)
	}
	done, err := s.workflows.Submit(ctx, sv, &sub, s.revisionDefinition)
	var ve *surveys.ValidationError
	switch {
	case errors.As(err, &ve) || errors.Is(err, surveys.ErrNotFound) || errors.Is(err, app.ErrSurveyNotOpen) ||
		errors.Is(err, app.ErrCodeUsed) || errors.Is(err, app.ErrSubmissionConflict):
		return err
	case err != nil:
		return retryable(err) // the database failed: the app keeps the submission and sends it again
	}
	status := fiber.StatusOK // a retry: the same receipt, nothing stored twice
	if done.Created {
		status = fiber.StatusCreated
	}
	r := done.Response
	return s.sendReceipt(c, status, surveys.NewReceipt(sv.ID, r.Revision, done.Def, r.Lang, i18n.Direction(r.Lang)))
}

// submittedSurvey is the survey a submission is for, as it stands now.
// The cached copy may be up to stateTTL old; on a database that other
// processes share, one of them may have closed or changed the survey
// meanwhile, so the copy is checked against the survey's version (one
// small read) and read again if it changed. A survey closed between that
// read and the insert still gets the response: it is counted in the
// summary, and stays out of the frozen release (store.FreezeSummary).
// On the embedded store this process is the only writer, and a save
// forgets the cached copy itself.
func (s *Server) submittedSurvey(c *fiber.Ctx, id string) (*surveys.Survey, error) {
	cs, err := s.publicSurvey(c, id)
	if err != nil || !s.sharedDatabase {
		return cs.survey, err
	}
	v, err := s.store.SurveyVersion(c.UserContext(), cs.survey.ID)
	if err != nil || v == cs.survey.Version {
		return cs.survey, err
	}
	s.cache.forget(cs.survey.ID)
	cs, err = s.publicSurvey(c, id)
	return cs.survey, err
}

// sendReceipt writes a receipt, labelled with its own language.
func (s *Server) sendReceipt(c *fiber.Ctx, status int, r surveys.Receipt) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentLanguage, r.Lang)
	return c.Status(status).JSON(r)
}

// retryable turns a store failure into a 503 that tells the app to try
// again later (nothing it sent is lost: it keeps the submission).
func retryable(err error) error {
	p := newProblem(fiber.StatusServiceUnavailable, "unavailable")
	p.retryAfter = 2
	p.cause = err
	return p
}

// fault calls the test's fault hook at step (stepExporting).
func (s *Server) fault(step string) error {
	if s.faults == nil {
		return nil
	}
	if err := s.faults(step); err != nil {
		return retryable(err)
	}
	return nil
}

// revisionDefinition is the definition of revision n of a survey: the
// current one from the survey itself, an older one from the store (kept
// in memory afterwards, since revisions never change).
func (s *Server) revisionDefinition(ctx context.Context, sv *surveys.Survey, n int) (*surveys.Definition, error) {
	if n == sv.Revision {
		return &sv.Draft, nil
	}
	key := renderKey{id: sv.ID, rev: n}
	s.cache.mu.RLock()
	def, ok := s.cache.revisions[key]
	s.cache.mu.RUnlock()
	if ok {
		return def, nil
	}
	rev, err := s.store.Revision(ctx, sv, n)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/revision", Code: surveys.CodeUnknownRevision}}}
	}
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	if len(s.cache.revisions) >= maxRenderedKeys {
		clear(s.cache.revisions)
	}
	s.cache.revisions[key] = &rev.Definition
	s.cache.mu.Unlock()
	return &rev.Definition, nil
}

// submissionLimiter limits submissions per client. The client key (its
// address, see clientAddress) lives only in this process's memory, for one
// window, and is never stored or logged.
func (s *Server) submissionLimiter(perMinute int) fiber.Handler {
	if perMinute <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:          perMinute,
		Expiration:   time.Minute,
		KeyGenerator: s.clientAddress,
		LimitReached: func(c *fiber.Ctx) error {
			s.refused(app.RefusedRateLimited)
			p := newProblem(fiber.StatusTooManyRequests, "rate_limited")
			p.retryAfter = 60
			return p
		},
	})
}

// maxAccessCodesPerSurvey is surveys.MaxAccessCodesPerSurvey, in a
// variable only so that tests can reach the limit without making 100,000
// codes.
var maxAccessCodesPerSurvey = surveys.MaxAccessCodesPerSurvey

// createAccessCodes is POST /v1/org/surveys/{id}/access-codes: N new codes,
// returned once (JSON, or CSV for printing with Accept: text/csv) and kept
// only as keyed hashes.
func (s *Server) createAccessCodes(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, designers...)
	if err != nil {
		return err
	}
	var req struct {
		Count int `json:"count"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	codes, err := s.workflows.IssueAccessCodes(c.UserContext(), sv, req.Count, maxAccessCodesPerSurvey)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="access-codes.csv"`)
		c.Status(fiber.StatusCreated)
		w := csv.NewWriter(c)
		_ = w.Write([]string{"code"})
		for _, code := range codes {
			_ = w.Write([]string{code})
		}
		w.Flush()
		return w.Error()
	}
	return s.sendJSON(c, fiber.StatusCreated, fiber.Map{"survey_id": sv.ID, "count": len(codes), "codes": codes})
}

// clientAddress is the address the rate limit counts a client by: the TCP
// peer's, unless the peer is one of the trusted proxies and sends the
// client header. Then the header's addresses (over all its lines, which
// some proxies add instead of merging) are read from the right, skipping
// trusted proxies: the first other one is the address the nearest trusted
// proxy saw. Addresses further left are the client's own claims, which it
// could change with every request. An address may carry a port.
func (s *Server) clientAddress(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	peer = peer.Unmap()
	if s.clientHeader == "" || !s.trusted(peer) {
		return peer.String()
	}
	var entries []string
	for _, line := range c.Request().Header.PeekAll(s.clientHeader) {
		entries = append(entries, strings.Split(string(line), ",")...)
	}
	client := peer
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := parseAddress(entries[i])
		if !ok {
			break // not an address: believe nothing further left
		}
		client = a
		if !s.trusted(a) {
			break
		}
	}
	return client.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	return slices.ContainsFunc(s.trustedProxies, func(p netip.Prefix) bool { return p.Contains(a) })
}

// parseAddress reads "203.0.113.5", "203.0.113.5:4711", "2001:db8::1" or
// "[2001:db8::1]:443", IPv4-mapped addresses as IPv4.
func parseAddress(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return a.Unmap(), err == nil
}
