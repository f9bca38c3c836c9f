package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// tokenView is a token as owners see it; the secret only once, on creation.
type tokenView struct {
	ID        string       `json:"id"`
	Role      surveys.Role `json:"role"`
	Name      string       `json:"name"`
	CreatedAt time.Time    `json:"created_at"`
	RevokedAt *time.Time   `json:"revoked_at,omitempty"`
	Secret    string       `json:"token,omitempty"`
}

func tokenViewOf(t surveys.Token) tokenView {
	return tokenView{ID: t.ID, Role: t.Role, Name: t.Name, CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt}
}

func (s *Server) createToken(c *fiber.Ctx) error {
	me, err := caller(c, owners...)
	if err != nil {
		return err
	}
	var req struct {
		Role surveys.Role `json:"role"`
		Name string       `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, secret, err := s.workflows.CreateToken(c.UserContext(), me, req.Role, req.Name, [2]string{"/role", "/name"})
	if err != nil {
		return err
	}
	v := tokenViewOf(t)
	v.Secret = secret
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.sendJSON(c, fiber.StatusCreated, v)
}

func (s *Server) listTokens(c *fiber.Ctx) error {
	me, err := caller(c, owners...)
	if err != nil {
		return err
	}
	list, err := s.store.Tokens(c.UserContext(), me.OrgID)
	if err != nil {
		return err
	}
	out := make([]tokenView, len(list))
	for i, t := range list {
		out[i] = tokenViewOf(t)
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"tokens": out})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	me, err := caller(c, owners...)
	if err != nil {
		return err
	}
	t, err := s.workflows.RevokeToken(c.UserContext(), me, c.Params("tokenID"))
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, tokenViewOf(t))
}

func (s *Server) getSupportResources(c *fiber.Ctx) error {
	me, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	org, err := s.store.Org(c.UserContext(), me.OrgID)
	if err != nil {
		return err
	}
	rs := org.SupportResources
	if rs == nil {
		rs = []surveys.SupportResource{}
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"support_resources": rs})
}

func (s *Server) putSupportResources(c *fiber.Ctx) error {
	me, err := caller(c, designers...)
	if err != nil {
		return err
	}
	var req struct {
		SupportResources []surveys.SupportResource `json:"support_resources"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := surveys.ValidateSupportResources(req.SupportResources); err != nil {
		return prefixPointers(err, "/support_resources")
	}
	if err := s.store.SetSupportResources(c.UserContext(), me.OrgID, req.SupportResources); err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"support_resources": req.SupportResources})
}

// prefixPointers moves a validation error's pointers under prefix.
func prefixPointers(err error, prefix string) error {
	if ve, ok := err.(*surveys.ValidationError); ok {
		for i := range ve.Errors {
			ve.Errors[i].Pointer = prefix + ve.Errors[i].Pointer
		}
	}
	return err
}
