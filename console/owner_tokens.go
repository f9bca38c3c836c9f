package console

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// tokensView is the tokens page's data: the organisation's tokens (never
// a secret: only hashes are stored, and the list shows none) and the form
// to make one.
type tokensView struct {
	Tokens  []tokenRow
	Roles   []choice
	Name    string
	Revoked bool // a token was just revoked
	Form    *form
}

type tokenRow struct {
	ID, Name string
	Role     surveys.Role
	Created  when
	Revoked  *when
	Mine     bool // the token this session acts as
}

// tokensPage is GET /console/tokens (owners, as GET /v1/org/tokens).
func (c *Console) tokensPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	v := &tokensView{Revoked: ctx.Query("revoked") == "1"}
	return c.renderTokens(ctx, w, fiber.StatusOK, v, surveys.Analyst)
}

// renderTokens lists the tokens around the form v (role: the role picked).
func (c *Console) renderTokens(ctx *fiber.Ctx, w *who, status int, v *tokensView, role surveys.Role) error {
	list, err := c.store.Tokens(ctx.UserContext(), w.tok.OrgID)
	if err != nil {
		return err
	}
	for _, t := range list {
		v.Tokens = append(v.Tokens, tokenRowOf(t, w))
	}
	lang := c.lang(ctx)
	for _, r := range surveys.Roles {
		v.Roles = append(v.Roles, choice{Value: string(r), Label: c.cat.Message(lang, fmt.Sprintf("console.tokens.role.%s", r), nil), Selected: r == role})
	}
	return c.render(ctx, status, "owner_tokens", &page{Title: c.cat.Message(lang, "console.tokens.title", nil), Data: v})
}

func tokenRowOf(t surveys.Token, w *who) tokenRow {
	r := tokenRow{ID: t.ID, Name: t.Name, Role: t.Role, Created: whenOf(t.CreatedAt, minuteLayout), Mine: t.ID == w.tok.ID}
	if t.RevokedAt != nil {
		at := whenOf(*t.RevokedAt, minuteLayout)
		r.Revoked = &at
	}
	return r
}

// newTokenView is the page that shows a new token's secret, once.
type newTokenView struct {
	Token  tokenRow
	Secret string
}

// createToken is POST /console/tokens: app.CreateToken, the workflow of
// POST /v1/org/tokens (checked, stored as a hash, audited). The secret is
// in this answer's page only (no-store, like every console page): never
// in a URL (no redirect carries it), a cookie or the browser's storage,
// and nothing can show it again.
func (c *Console) createToken(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	role, name := surveys.Role(ctx.FormValue("role")), ctx.FormValue("name")
	t, secret, err := c.app.CreateToken(ctx.UserContext(), w.tok, role, name, [2]string{"role", "name"})
	var ve *surveys.ValidationError
	if errors.As(err, &ve) {
		v := &tokensView{Name: name, Form: &form{}}
		c.addAll(v.Form, c.lang(ctx), ve.Errors, func(p string) string { return p })
		return c.renderTokens(ctx, w, fiber.StatusUnprocessableEntity, v, role)
	}
	if err != nil {
		return err
	}
	lang := c.lang(ctx)
	v := newTokenView{Token: tokenRowOf(t, w), Secret: secret}
	return c.render(ctx, fiber.StatusCreated, "owner_token_new", &page{Title: c.cat.Message(lang, "console.tokens.new.title", nil), Data: v})
}

// revokeView is the confirmation page of a revocation.
type revokeView struct {
	Token   tokenRow
	LastOne bool // refused: the organisation's last live owner token
}

// tokenOf finds one of the organisation's tokens by the path's id
// (another organisation's is a 404, as in the API).
func (c *Console) tokenOf(ctx *fiber.Ctx, w *who) (surveys.Token, error) {
	list, err := c.store.Tokens(ctx.UserContext(), w.tok.OrgID)
	if err != nil {
		return surveys.Token{}, err
	}
	for _, t := range list {
		if t.ID == ctx.Params("tokenID") {
			return t, nil
		}
	}
	return surveys.Token{}, surveys.ErrNotFound
}

// confirmRevoke is GET /console/tokens/{id}/revoke: what revoking this
// token means, and the button that does it.
func (c *Console) confirmRevoke(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	t, err := c.tokenOf(ctx, w)
	if err != nil {
		return err
	}
	return c.renderRevoke(ctx, fiber.StatusOK, &revokeView{Token: tokenRowOf(t, w)})
}

func (c *Console) renderRevoke(ctx *fiber.Ctx, status int, v *revokeView) error {
	lang := c.lang(ctx)
	return c.render(ctx, status, "owner_token_revoke", &page{Title: c.cat.Message(lang, "console.tokens.revoke.title", nil), Data: v})
}

// revokeToken is POST /console/tokens/{id}/revoke: app.RevokeToken, the
// workflow of DELETE /v1/org/tokens/{id} (revoked at once, audited). The
// organisation's last live owner token stays (409, said on the page).
// Revoking the token this session acts as ends the session at its next
// request, as for any revoked token.
func (c *Console) revokeToken(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, ownerRole...)
	if err != nil {
		return err
	}
	t, err := c.tokenOf(ctx, w)
	if err != nil {
		return err
	}
	_, err = c.app.RevokeToken(ctx.UserContext(), w.tok, t.ID)
	if errors.Is(err, store.ErrLastOwnerToken) {
		return c.renderRevoke(ctx, fiber.StatusConflict, &revokeView{Token: tokenRowOf(t, w), LastOne: true})
	}
	if err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"tokens?revoked=1", fiber.StatusSeeOther)
}
