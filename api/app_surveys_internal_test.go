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
