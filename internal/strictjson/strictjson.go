// Package strictjson decodes the JSON that organisers and apps send (a
// request body, a survey definition uploaded in the console) exactly, and
// explains what is wrong with it in the terms of the API's problems: the
// API (api/decode.go) and the console (console/author_create.go) decode
// with it, so a file refused by one is refused by the other, in the same
// words.
package strictjson

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/youthvoice/youthvoice/surveys"
)

// CodeDuplicateKey is the field code of an object member named twice.
const CodeDuplicateKey surveys.Code = "duplicate_key"

// Error is why a document could not be decoded: a field at fault (a member
// named twice, an unknown member, a value of the wrong type), or else a
// syntax error at a place in the text.
type Error struct {
	// Field is the member at fault; nil for a syntax error.
	Field *surveys.FieldError
	// Duplicate: Field is a member named twice, which makes the document
	// ambiguous rather than wrong (the API answers 400, not 422).
	Duplicate bool
	// Offset is the syntax error's byte offset; Line and Column its place
	// as an editor shows it, both from 1, the column in characters.
	Offset       int64
	Line, Column int
}

func (e *Error) Error() string {
	if e.Field != nil {
		return "json: " + string(e.Field.Code) + " at " + e.Field.Pointer
	}
	return "json: malformed"
}

// Decode decodes one JSON value into v exactly: member names match their
// fields case-sensitively ("Submission_Id" is not "submission_id"), a
// member named twice anywhere in the document is refused (encoding/json
// kept the last one, so a proxy or log could see one value and the server
// act on another), an unknown member or a wrong type is refused at its
// pointer, and anything after the value or invalid UTF-8 is malformed.
// These are the defaults of encoding/json/v2
// (github.com/go-json-experiment/json), plus RejectUnknownMembers. The
// error is an *Error.
func Decode(data []byte, v any) error {
	err := json.Unmarshal(data, v, json.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return &Error{Duplicate: true, Field: &surveys.FieldError{Pointer: string(syn.JSONPointer), Code: CodeDuplicateKey}}
	case errors.As(err, &syn):
		return syntaxAt(data, syn.ByteOffset)
	case errors.As(err, &sem) && errors.Is(sem.Err, json.ErrUnknownName):
		// The pointer names the member in its object
		// (/sections/0/questions/2/colour); the message lists the
		// object's fields, so a misspelling shows.
		ptr := string(sem.JSONPointer)
		return &Error{Field: &surveys.FieldError{Pointer: ptr, Code: surveys.CodeUnknownField,
			Params: map[string]any{"Field": lastToken(ptr), "Fields": strings.Join(fields(sem.GoType), ", ")}}}
	case errors.As(err, &sem):
		// A syntax error inside a value handed to a legacy UnmarshalJSON
		// method (json.RawMessage) is still malformed JSON.
		if errors.As(sem.Err, &syn) {
			return syntaxAt(data, sem.ByteOffset+syn.ByteOffset)
		}
		return &Error{Field: &surveys.FieldError{Pointer: string(sem.JSONPointer), Code: surveys.CodeInvalidType,
			Params: map[string]any{"Expected": typeOf(sem.GoType)}}}
	}
	// An empty document and the like.
	return syntaxAt(data, int64(len(data)))
}

// syntaxAt is a syntax error at byte offset off of data. Its place is a
// line and a column in characters (a broken UTF-8 byte counts as one),
// which an editor shows, rather than the byte offset, which it does not.
// An offset past the end is the end.
func syntaxAt(data []byte, off int64) *Error {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return &Error{Offset: off, Line: bytes.Count(before, []byte{'\n'}) + 1, Column: utf8.RuneCount(before[lineStart:]) + 1}
}

// lastToken is the last token of a JSON pointer, unescaped (RFC 6901).
func lastToken(ptr string) string {
	tok := ptr[strings.LastIndexByte(ptr, '/')+1:]
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// fields lists the JSON member names of a struct type, in order: the
// fields an object of that type may have.
func fields(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	textType  = reflect.TypeFor[surveys.Text]()
	textsType = reflect.TypeFor[map[string]surveys.Text]()
)

// typeOf names the kind of value a Go type is decoded from, for a wrong
// type's message: a token each language's message explains in words an
// organiser knows ("text": a text in each language, like {"en": "..."}).
func typeOf(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return "date-time"
	case textType:
		return "text"
	case textsType:
		return "texts"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // []byte and json.RawMessage
		}
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}
