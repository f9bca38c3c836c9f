package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// orgView is the caller's organisation as GET and PATCH /v1/org show it.
type orgView struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	CreatedAt time.Time    `json:"created_at"`
	Role      surveys.Role `json:"role"` // the calling token's
}

// getOrg is GET /v1/org: the caller's organisation (any role), so that a
// token's holder can see whom it speaks for.
func (s *Server) getOrg(c *fiber.Ctx) error {
	me, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	org, err := s.store.Org(c.UserContext(), me.OrgID)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, orgView{ID: org.ID, Name: org.Name, CreatedAt: org.CreatedAt, Role: me.Role})
}

// patchOrg is PATCH /v1/org {"name": ...}: owners rename their
// organisation (audited), such as the bootstrap organisation "default",
// whose name the organisations it shares surveys with see.
func (s *Server) patchOrg(c *fiber.Ctx) error {
	me, err := caller(c, owners...)
	if err != nil {
		return err
	}
	var req struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/name", Code: surveys.CodeRequired}}}
	}
	org, err := s.workflows.RenameOrg(c.UserContext(), me.OrgID, me.ID, *req.Name)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, orgView{ID: org.ID, Name: org.Name, CreatedAt: org.CreatedAt, Role: me.Role})
}
