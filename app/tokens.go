package app

import (
	"context"
	"unicode/utf8"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Audit actions of tokens: the detail is the token's id (and, for a
// creation, its role).
const (
	AuditTokenCreate = "token_create"
	AuditTokenRevoke = "token_revoke"
)

// MaxTokenName is the longest name of a token, in bytes (as the API has
// always counted it).
const MaxTokenName = 200

// CreateToken makes a token of actor's organisation with a role and a
// name (a note for people: whose it is), and audits it. The secret is
// returned once, to be shown once; only its hash is stored. pointers name
// the request's fields for the role and the name ("/role", "/name"), for
// the *surveys.ValidationError of a bad one.
func (a *App) CreateToken(ctx context.Context, actor surveys.Token, role surveys.Role, name string, pointers [2]string) (surveys.Token, string, error) {
	var bad []surveys.FieldError
	if !role.Valid() {
		bad = append(bad, surveys.FieldError{Pointer: pointers[0], Code: surveys.CodeInvalid})
	}
	if len(name) > MaxTokenName {
		bad = append(bad, surveys.FieldError{Pointer: pointers[1], Code: surveys.CodeTooLong, Params: map[string]any{"Max": MaxTokenName}})
	} else if !utf8.ValidString(name) {
		bad = append(bad, surveys.FieldError{Pointer: pointers[1], Code: surveys.CodeInvalid})
	}
	if len(bad) > 0 {
		return surveys.Token{}, "", &surveys.ValidationError{Errors: bad}
	}
	secret := surveys.NewTokenSecret()
	t, err := a.store.CreateToken(ctx, actor.OrgID, role, name, secret, a.now())
	if err != nil {
		return surveys.Token{}, "", err
	}
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditTokenCreate, Detail: t.ID + " " + string(t.Role), At: a.now()}
	if err := a.store.Audit(ctx, entry); err != nil {
		return surveys.Token{}, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes one of actor's organisation's tokens, at once (its
// console sessions end at their next request too), and audits it. Another
// organisation's token is surveys.ErrNotFound; the last live owner token
// is store.ErrLastOwnerToken.
func (a *App) RevokeToken(ctx context.Context, actor surveys.Token, tokenID string) (surveys.Token, error) {
	t, err := a.store.RevokeToken(ctx, actor.OrgID, tokenID, a.now())
	if err != nil {
		return surveys.Token{}, err
	}
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: AuditTokenRevoke, Detail: t.ID, At: a.now()}
	if err := a.store.Audit(ctx, entry); err != nil {
		return surveys.Token{}, err
	}
	return t, nil
}
