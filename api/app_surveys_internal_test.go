package api

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
