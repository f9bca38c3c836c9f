package console

import (
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// contentSecurityPolicy allows the console's own stylesheet and nothing
// else: no script at all, no inline style, forms only to the console,
// never in a frame.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// guard runs before every console route: the security headers, the
// cross-origin check of every POST, and the error page (or the way to the
// sign-in page) for any error a handler returns.
func (c *Console) guard(ctx *fiber.Ctx) error {
	h := ctx.Set
	h("Content-Security-Policy", contentSecurityPolicy)
	h(fiber.HeaderXContentTypeOptions, "nosniff")
	h(fiber.HeaderReferrerPolicy, "no-referrer")
	h(fiber.HeaderXFrameOptions, "DENY")
	h("Cross-Origin-Opener-Policy", "same-origin")
	h("Cross-Origin-Resource-Policy", "same-origin")
	// Pages show an organisation's data: no cache keeps them (the
	// stylesheet sets its own).
	h(fiber.HeaderCacheControl, "no-store")
	h(fiber.HeaderVary, "Cookie")
	if ctx.Method() == fiber.MethodPost && !sameOrigin(ctx) {
		return c.renderError(ctx, errForgery)
	}
	err := ctx.Next()
	if err == nil {
		return nil
	}
	return c.renderError(ctx, err)
}

// errForgery: a POST from another site, or without the form's token.
var errForgery = errors.New("console: cross-site request refused")

// sameOrigin is the cross-origin check browsers make possible (as Go's
// net/http CrossOriginProtection): Sec-Fetch-Site, sent by every current
// browser, must say the request came from this site (or was typed by the
// person); without it, an Origin header must name this host. A request
// with neither is not from a browser, or from one too old to send them;
// the session's CSRF token and the SameSite=Strict cookie still hold it.
func sameOrigin(ctx *fiber.Ctx) bool {
	switch ctx.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := ctx.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && u.Host == string(ctx.Request().Host())
}

// The console's cookies: its session, the sign-in form's anti-forgery
// token, and the language chosen in the picker.
const (
	cookieSession = "yv_session"
	cookieSignIn  = "yv_signin"
	cookieLang    = "yv_lang"
)

// lang is the language of the console's words for this request: ?lang=
// (remembered in a cookie when the server speaks it), the cookie, then
// Accept-Language, as the API negotiates.
func (c *Console) lang(ctx *fiber.Ctx) string {
	if l, ok := ctx.Locals(localLang).(string); ok {
		return l
	}
	explicit := ""
	if q := ctx.Query("lang"); q != "" && slices.Contains(c.cat.Languages(), q) {
		explicit = q
		c.setCookie(ctx, cookieLang, q, 365*24*3600)
	} else if ck := ctx.Cookies(cookieLang); slices.Contains(c.cat.Languages(), ck) {
		explicit = ck
	}
	l := c.cat.Negotiate(explicit, ctx.Get(fiber.HeaderAcceptLanguage))
	ctx.Locals(localLang, l)
	return l
}

const (
	localLang = "consoleLang"
	localWho  = "consoleWho"
)

// languageName is a language's name in itself, for the picker.
func languageName(code string) string {
	t, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.Self.Name(t); n != "" {
		return n
	}
	return code
}

// errorView is the error page's data.
type errorView struct {
	Status int
	Detail string
}

// renderError shows an error as a page in the person's language, with
// the status the API would answer; an ended or missing session goes to
// the sign-in page instead.
func (c *Console) renderError(ctx *fiber.Ctx, err error) error {
	if errors.Is(err, app.ErrNoSession) {
		c.clearCookie(ctx, cookieSession)
		return ctx.Redirect(Prefix+"signin", fiber.StatusSeeOther)
	}
	status, kind := problemOf(err)
	if status >= 500 {
		c.log.Error("console request failed", "path", ctx.Route().Path, "error", err.Error())
	}
	if status == fiber.StatusServiceUnavailable {
		ctx.Set(fiber.HeaderRetryAfter, "2")
	}
	lang := c.lang(ctx)
	data := map[string]any{"Language": ctx.Query("lang")}
	p := &page{
		Title: c.cat.Message(lang, kind+".title", data),
		Data:  errorView{Status: status, Detail: c.cat.Message(lang, kind+".detail", data)},
	}
	if rerr := c.render(ctx, status, "error", p); rerr != nil {
		return rerr
	}
	return nil
}

// problemOf is the status and message of an error as the API's problem
// mapping (api/problem.go) gives them, for the errors console pages meet.
func problemOf(err error) (int, string) {
	var fe *fiber.Error
	switch {
	case errors.Is(err, errForgery):
		return fiber.StatusForbidden, "console.error.forgery"
	case errors.Is(err, errForbidden):
		return fiber.StatusForbidden, problem("forbidden")
	case errors.Is(err, surveys.ErrNotFound):
		return fiber.StatusNotFound, problem("not_found")
	case errors.Is(err, export.ErrScript):
		return fiber.StatusUnprocessableEntity, problem("pdf_script")
	case errors.Is(err, errBadQuery):
		return fiber.StatusBadRequest, problem("bad_request")
	case store.Unavailable(err):
		return fiber.StatusServiceUnavailable, problem("unavailable")
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			return fe.Code, problem("not_found")
		case fiber.StatusMethodNotAllowed:
			return fe.Code, problem("method_not_allowed")
		case fiber.StatusRequestEntityTooLarge:
			return fe.Code, problem("body_too_large")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return fiber.StatusBadRequest, problem("bad_request")
		}
	}
	return fiber.StatusInternalServerError, problem("internal")
}

// problem is the prefix of the API's messages for a problem kind
// (problem.<kind>.title and .detail, api/problem.go).
func problem(kind string) string { return "problem." + kind }

var (
	errForbidden = errors.New("console: the role does not allow this")
	errBadQuery  = errors.New("console: a query parameter has a value the page does not know")
)

// https says whether the browser reached the server over TLS: directly,
// or through one of the server's trusted proxies that says so.
func (c *Console) https(ctx *fiber.Ctx) bool {
	if ctx.Context().IsTLS() {
		return true
	}
	peer, ok := netip.AddrFromSlice(ctx.Context().RemoteIP())
	peer = peer.Unmap()
	if !ok || !slices.ContainsFunc(c.trusted, func(p netip.Prefix) bool { return p.Contains(peer) }) {
		return false
	}
	return strings.EqualFold(strings.TrimSpace(ctx.Get(fiber.HeaderXForwardedProto)), "https")
}

// setCookie sets one of the console's cookies: HttpOnly, SameSite=Strict,
// for the console's path only, Secure over https.
func (c *Console) setCookie(ctx *fiber.Ctx, name, value string, maxAge int) {
	ctx.Cookie(&fiber.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: c.https(ctx)})
}

// clearCookie removes one of the console's cookies.
func (c *Console) clearCookie(ctx *fiber.Ctx, name string) {
	// An expiry in the past deletes it (fasthttp writes no negative Max-Age).
	ctx.Cookie(&fiber.Cookie{Name: name, Value: "", Path: Prefix, Expires: time.Unix(1, 0), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: c.https(ctx)})
}
