package api

import (
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

const localToken = "token"

// authenticate requires a live bearer token and remembers it for the
// handler. A missing, unknown or revoked token is a 401.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(secret) == "" {
		return newProblem(fiber.StatusUnauthorized, "unauthorized")
	}
	tok, err := s.store.TokenBySecret(c.UserContext(), secret)
	if errors.Is(err, surveys.ErrUnauthorized) {
		return newProblem(fiber.StatusUnauthorized, "unauthorized")
	}
	if err != nil {
		return err
	}
	c.Locals(localToken, tok)
	return c.Next()
}

// wwwAuthenticate is the challenge of a 401 (RFC 6750 section 3): the
// scheme and realm, and error="invalid_token" when a bearer token was sent
// but is unknown or revoked, so that a client can tell "sign in" from "your
// token no longer works".
func wwwAuthenticate(c *fiber.Ctx) string {
	const challenge = `Bearer realm="youthvoice"`
	if secret, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok && strings.TrimSpace(secret) != "" {
		return challenge + `, error="invalid_token"`
	}
	return challenge
}

// caller is the token of an authenticated request, checked against the
// roles the handler allows (none listed: every role).
func caller(c *fiber.Ctx, roles ...surveys.Role) (surveys.Token, error) {
	tok, ok := c.Locals(localToken).(surveys.Token)
	if !ok {
		return tok, newProblem(fiber.StatusUnauthorized, "unauthorized")
	}
	if len(roles) > 0 && !slices.Contains(roles, tok.Role) {
		return tok, newProblem(fiber.StatusForbidden, "forbidden")
	}
	return tok, nil
}

// Who may do what.
var (
	anyRole   = []surveys.Role{}
	designers = []surveys.Role{surveys.Owner, surveys.Editor}
	owners    = []surveys.Role{surveys.Owner}
)
