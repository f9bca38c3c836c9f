package api

import (
	"bytes"
	stdjson "encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// FuzzDecodeJSON feeds arbitrary bodies to the decoder of every request
// body (a submission, a survey definition, the small request objects). Its
// seed corpus (below and testdata/fuzz/FuzzDecodeJSON) runs with go test;
// to fuzz:
//
//	go test ./api -run '^$' -fuzz FuzzDecodeJSON -fuzztime 5m
//
// It checks that a bad body is always a client error (400 or 422, never a
// 500) with well-formed pointers, and that whatever the strict decoder
// accepts, the lenient encoding/json accepts too and reads the same way:
// strictness only ever refuses, it never reads a body differently.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"submission_id":"8a1c0b0e-9f6e-4f43-a0a5-0cbb7a3c6f10","revision":1,"lang":"sv","answers":{"age_band":"16-19","agree":{"safe":3}}}`,
		`{"Submission_Id":"x"}`,
		`{"submission_id":"a","submission_id":"b"}`,
		`{"answers":{"q":1,"q":2}}`,
		`{"answers":{"q":{"a":1,"a":2}}}`,
		`{"revision":"1"}`,
		`{"revision":1.5}`,
		`{"revision":1e2}`,
		`{"revision":null,"answers":null}`,
		`{"k":5,"\u006b":6}`,
		`{"title":{"sv":"a"},"sections":[{"id":"s","questions":[{"id":"q","type":"number","min":1e17,"max":1e308}]}]}`,
		`{"closes_at":"2030-01-01T00:00:00Z"}`,
		`{"closes_at":"tomorrow"}`,
		`{"org_id":"x"} {}`,
		`{"role":"owner","name":"\ud800"}`,
		"{\"name\":\"\xff\"}",
		`[]`, `null`, ``, `{`, `"x"`, `{"a":[[[[[[[[[[]]]]]]]]]]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Add(surveystest.SmallSurvey)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode[surveys.Submission](t, body)
		checkDecode[surveys.Definition](t, body)
		checkDecode[struct {
			Role surveys.Role `json:"role"`
			Name string       `json:"name"`
		}](t, body)
		checkDecode[struct {
			SupportResources []surveys.SupportResource `json:"support_resources"`
		}](t, body)
	})
}

func checkDecode[T any](t *testing.T, body []byte) {
	var strict T
	err := decodeStrict(body, &strict)
	if err == nil {
		var lenient T
		dec := stdjson.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if lerr := dec.Decode(&lenient); lerr != nil {
			t.Fatalf("%T: the strict decoder took %q, encoding/json refused it: %v", strict, body, lerr)
		}
		if !reflect.DeepEqual(strict, lenient) {
			t.Fatalf("%T: %q read differently:\nstrict  %#v\nlenient %#v", strict, body, strict, lenient)
		}
		return
	}
	p := toProblem(err)
	if p.status != 400 && p.status != 422 {
		t.Fatalf("%T: %q gave status %d (%v)", strict, body, p.status, err)
	}
	for _, fe := range p.fields {
		if fe.Pointer != "" && !strings.HasPrefix(fe.Pointer, "/") {
			t.Fatalf("%T: %q: pointer %q", strict, body, fe.Pointer)
		}
		if fe.Code == "" {
			t.Fatalf("%T: %q: a field error without a code", strict, body)
		}
	}
	if p.status == 422 && len(p.fields) == 0 {
		t.Fatalf("%T: %q: a 422 without a pointer", strict, body)
	}
	if p.kind == "duplicate_key" && (len(p.fields) != 1 || p.fields[0].Pointer == "") {
		t.Fatalf("%T: %q: a duplicate key without its pointer: %+v", strict, body, p.fields)
	}
}
