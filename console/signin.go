package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// who is the signed-in person of a request: the session and the token it
// acts as (read again at this request).
type who struct {
	sess store.Session
	tok  surveys.Token
}

// Roles as the API allows them (api/auth.go).
var (
	designers = []surveys.Role{surveys.Owner, surveys.Editor}
)

// signedIn is the session of the request, checked against the roles a
// page allows (none listed: every role). No live session is
// app.ErrNoSession (guard sends the person to sign in). A POST must carry
// the session's CSRF token in its form field "csrf".
func (c *Console) signedIn(ctx *fiber.Ctx, roles ...surveys.Role) (*who, error) {
	w, ok := ctx.Locals(localWho).(*who)
	if !ok {
		sess, tok, err := c.app.Session(ctx.UserContext(), ctx.Cookies(cookieSession))
		if err != nil {
			return nil, err
		}
		w = &who{sess: sess, tok: tok}
		ctx.Locals(localWho, w)
	}
	if ctx.Method() == fiber.MethodPost && !sameToken(ctx.FormValue("csrf"), w.sess.CSRF) {
		return nil, errForgery
	}
	if len(roles) > 0 && !slices.Contains(roles, w.tok.Role) {
		return nil, errForbidden
	}
	return w, nil
}

// sameToken compares an anti-forgery token in constant time; an empty one
// never matches.
func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// signInView is the sign-in page's data.
type signInView struct {
	Failed    bool // the token was wrong or revoked
	SignedOut bool
}

// signInPage is GET /console/signin: the form to paste a token into. It
// carries a fresh anti-forgery token, kept in a cookie too (no session
// exists yet): a site that cannot read the cookie cannot post the form,
// so nobody can be signed in to someone else's organisation behind their
// back.
func (c *Console) signInPage(ctx *fiber.Ctx) error {
	if _, _, err := c.app.Session(ctx.UserContext(), ctx.Cookies(cookieSession)); err == nil {
		return ctx.Redirect(Prefix, fiber.StatusSeeOther)
	} else if !errors.Is(err, app.ErrNoSession) {
		return err
	}
	return c.showSignIn(ctx, fiber.StatusOK, signInView{SignedOut: ctx.Query("signed_out") == "1"})
}

func (c *Console) showSignIn(ctx *fiber.Ctx, status int, v signInView) error {
	form := formToken()
	c.setCookie(ctx, cookieSignIn, form, 3600)
	lang := c.lang(ctx)
	return c.render(ctx, status, "signin", &page{Title: c.cat.Message(lang, "console.signin.title", nil), CSRF: form, Data: v})
}

// signIn is POST /console/signin: the token is checked as the API checks
// a bearer token (its hash looked up, revoked ones refused), and a session
// opens. The token is never written anywhere: not in the page, not in a
// URL, not in a cookie.
func (c *Console) signIn(ctx *fiber.Ctx) error {
	if !sameToken(ctx.FormValue("csrf"), ctx.Cookies(cookieSignIn)) {
		return errForgery
	}
	sess, secret, err := c.app.SignIn(ctx.UserContext(), ctx.FormValue("token"))
	if errors.Is(err, surveys.ErrUnauthorized) {
		return c.showSignIn(ctx, fiber.StatusUnauthorized, signInView{Failed: true})
	}
	if err != nil {
		return err
	}
	c.clearCookie(ctx, cookieSignIn)
	c.setCookie(ctx, cookieSession, secret, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()))
	return ctx.Redirect(Prefix, fiber.StatusSeeOther)
}

// signOut is POST /console/signout: the session is deleted on the server,
// so the cookie is worthless even if a copy survives.
func (c *Console) signOut(ctx *fiber.Ctx) error {
	if _, err := c.signedIn(ctx); err != nil {
		return err
	}
	if err := c.app.SignOut(ctx.UserContext(), ctx.Cookies(cookieSession)); err != nil {
		return err
	}
	c.clearCookie(ctx, cookieSession)
	return ctx.Redirect(Prefix+"signin?signed_out=1", fiber.StatusSeeOther)
}

// formToken is a fresh random anti-forgery token.
func formToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
