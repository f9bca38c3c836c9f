package strictjson_test

import (
	"errors"
	"testing"

	"github.com/youthvoice/youthvoice/internal/strictjson"
	"github.com/youthvoice/youthvoice/surveys"
)

// Each way a document can be wrong is told apart, at its place: the
// member at fault by its pointer, a syntax error by its line and column
// in characters.
func TestDecode(t *testing.T) {
	type inner struct {
		Name  string       `json:"name"`
		Title surveys.Text `json:"title"`
	}
	type doc struct {
		ID    string  `json:"id"`
		Items []inner `json:"items"`
		Skip  string  `json:"-"`
	}
	for _, tc := range []struct {
		name, in                string
		pointer, code, expected string
		fields                  string
		duplicate               bool
		line, column            int
	}{
		{name: "fine", in: `{"id":"a","items":[{"name":"x","title":{"en":"T"}}]}`},
		{name: "named twice", in: `{"id":"a","id":"b"}`, pointer: "/id", code: "duplicate_key", duplicate: true},
		{name: "unknown member", in: `{"items":[{"nmae":"x"}]}`, pointer: "/items/0/nmae", code: string(surveys.CodeUnknownField), fields: "name, title"},
		{name: "wrong case", in: `{"ID":"a"}`, pointer: "/ID", code: string(surveys.CodeUnknownField), fields: "id, items"},
		{name: "wrong type", in: `{"items":[{"title":"just text"}]}`, pointer: "/items/0/title", code: string(surveys.CodeInvalidType), expected: "text"},
		{name: "a list expected", in: `{"items":{}}`, pointer: "/items", code: string(surveys.CodeInvalidType), expected: "list"},
		{name: "syntax, second line", in: "{\"id\": \"ä\",\n  \"items\": [}", line: 2, column: 13},
		{name: "after the value", in: `{"id":"a"} x`, line: 1, column: 12},
		{name: "empty", in: ``, line: 1, column: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := strictjson.Decode([]byte(tc.in), &d)
			if tc.code == "" && tc.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *strictjson.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want a *strictjson.Error", err)
			}
			if tc.code == "" {
				if e.Field != nil || e.Line != tc.line || e.Column != tc.column {
					t.Fatalf("syntax error at line %d column %d (field %+v), want %d:%d", e.Line, e.Column, e.Field, tc.line, tc.column)
				}
				return
			}
			if e.Field == nil || e.Field.Pointer != tc.pointer || string(e.Field.Code) != tc.code || e.Duplicate != tc.duplicate {
				t.Fatalf("field %+v duplicate %v, want %s at %s", e.Field, e.Duplicate, tc.code, tc.pointer)
			}
			if tc.fields != "" && e.Field.Params["Fields"] != tc.fields {
				t.Errorf("fields listed %q, want %q", e.Field.Params["Fields"], tc.fields)
			}
			if tc.expected != "" && e.Field.Params["Expected"] != tc.expected {
				t.Errorf("expected %q, want %q", e.Field.Params["Expected"], tc.expected)
			}
		})
	}
}
