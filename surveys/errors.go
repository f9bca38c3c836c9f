// Package surveys is YouthVoice's domain: survey definitions and their
// validation, show_if conditions, answers, the scrubbing of free text,
// tallies, statistics and disclosure control.
//
// It imports neither the web framework nor the database driver, so all of
// it is tested in plain Go.
package surveys

import (
	"errors"
	"fmt"
	"strings"
)

// Errors the rest of the application maps to responses.
var (
	// ErrNotFound: the thing does not exist, or belongs to someone else.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change conflicts with the thing's current state
	// (for example a concurrent update).
	ErrConflict = errors.New("conflict")
)

// Code names a kind of problem with one field. It is part of the API
// (clients may switch on it) and, prefixed with "field.", the id of the
// message that explains it.
type Code string

// FieldError is one problem with one field of a request.
type FieldError struct {
	// Pointer is an RFC 6901 JSON pointer into the request body.
	Pointer string
	Code    Code
	// Params fill the translated message's template.
	Params map[string]any
}

// ValidationError lists every problem found in a request.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Pointer + ": " + string(f.Code)
	}
	return "invalid: " + strings.Join(parts, ", ")
}

// problems collects field errors while validating.
type problems struct {
	list []FieldError
}

func (p *problems) add(pointer string, code Code, params map[string]any) {
	p.list = append(p.list, FieldError{Pointer: pointer, Code: code, Params: params})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Errors: p.list}
}

// Pointer joins JSON pointer tokens, escaping them per RFC 6901.
func Pointer(tokens ...any) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		s := fmt.Sprint(t)
		s = strings.ReplaceAll(s, "~", "~0")
		s = strings.ReplaceAll(s, "/", "~1")
		b.WriteString(s)
	}
	return b.String()
}
