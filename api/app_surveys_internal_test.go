package api

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/youthvoice/youthvoice/i18n"
)

// A client sending a new ?lang / Accept-Language pair with every request
// gets its language negotiated, but the survey's memo of pairs stays
// bounded.
func TestLanguageMemoIsBounded(t *testing.T) {
	cs := cachedSurvey{matcher: i18n.NewMatcher([]string{"sv", "en", "ar"}), langs: &sync.Map{}, langCount: &atomic.Int32{}}
	for i := range 10000 {
		if l := cs.lang("", fmt.Sprintf("ar;q=0.%d, en;q=0.1", i%9+1)+fmt.Sprint(i)); l == "" {
			t.Fatal("no language")
		}
	}
	n := 0
	cs.langs.Range(func(any, any) bool { n++; return true })
	if n > maxLangKeys {
		t.Fatalf("%d pairs remembered", n)
	}
	if cs.lang("ar", "") != "ar" {
		t.Fatal("negotiation after the memo is full")
	}
}

// A cursor reads back as the position it was made of; anything else is
// refused, never a panic.
func TestCursorRoundTrip(t *testing.T) {
	p := listPosition{since: 1764565200123, id: "3b448439-2cba-44a8-8d57-736e085fd00e"}
	if got, ok := decodeCursor(encodeCursor(p)); !ok || got != p {
		t.Fatalf("round trip: %v %v", got, ok)
	}
	for _, bad := range []string{"", "x", "MQ", "MS4x", "MS4xLg", "MS5hYmMuaWQ", "%%%", encodeCursor(listPosition{1, "a b"}), strings.Repeat("MS4x", 30)} {
		if _, ok := decodeCursor(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A long description is cut at a space near the limit, never between a
// letter and its combining mark, and marked with "…".
func TestShortText(t *testing.T) {
	if got := shortText("short", 200); got != "short" {
		t.Fatalf("%q", got)
	}
	words := strings.Repeat("word ", 100)
	if got := shortText(words, 23); got != "word word word word…" {
		t.Fatalf("words: %q", got)
	}
	// e + combining acute, no spaces: the cut falls before the letter.
	marks := strings.Repeat("e\u0301", 100)
	got := shortText(marks, 10)
	if !strings.HasSuffix(got, "e\u0301…") || utf8.RuneCountInString(got) > 10 {
		t.Fatalf("marks: %q", got)
	}
	if got := shortText(strings.Repeat("字", 300), 200); utf8.RuneCountInString(got) != 200 || !strings.HasSuffix(got, "…") {
		t.Fatalf("no spaces: %d runes", utf8.RuneCountInString(got))
	}
}

// The app's renderings of surveys stay within their byte bound, however
// many surveys and languages are read, and the count of bytes stays true.
func TestRenderingsAreBoundedInBytes(t *testing.T) {
	sc := newSurveyCache()
	const limit = 10_000
	for i := range 500 {
		body := []byte(strings.Repeat("x", 100+i%700))
		r := renderedSurvey{identity: body, gzip: body[:len(body)/2], br: body[:len(body)/3], etag: `"e"`}
		sc.keepRendering(renderKey{id: fmt.Sprint(i % 40), rev: 1, lang: []string{"en", "ar", "sv"}[i%3]}, r, limit)
		total := 0
		for _, r := range sc.rendered {
			total += r.size()
		}
		if total != sc.renderedBytes || total > limit {
			t.Fatalf("after %d: %d bytes kept, %d counted, limit %d", i, total, sc.renderedBytes, limit)
		}
	}
	// A rendering larger than the bound is served but not kept.
	big := renderedSurvey{identity: make([]byte, limit+1)}
	sc.keepRendering(renderKey{id: "big"}, big, limit)
	if _, ok := sc.rendered[renderKey{id: "big"}]; ok || sc.renderedBytes > limit {
		t.Fatalf("a rendering over the bound was kept (%d bytes)", sc.renderedBytes)
	}
}
