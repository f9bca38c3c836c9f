package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/markdown"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// An information page of many unclosed links ("[a](" 5,000 times, within
// the 20,000 characters of a page) took goldmark 0.3 s to render, and a
// consultation has a page per language and its easy version: such a page
// is refused when written, with its own code, and one of markdown.MaxLinks
// links is taken (security review of today's changes).
func TestConsultationPagesOfManyLinksAreRefused(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	a := app.New(app.Options{Store: st, Now: func() time.Time { return now }, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	sv := &surveys.Survey{ID: "s-mine", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	actor := surveys.Token{ID: "tok", OrgID: "o"}
	slow := consultationDef(sv.ID)
	slow.Background["sv"] = strings.Repeat("[a](", 5000)
	slow.Easy = &surveys.EasyVersion{MaxAge: 12, Background: surveys.Text{"sv": strings.Repeat("[a](https://example.org) ", markdown.MaxLinks+1)}}
	_, err = a.CreateConsultation(ctx, actor, slow)
	if got := fieldCodes(t, err); !slices.Equal(got, []string{"/background/sv markdown_links", "/easy/background/sv markdown_links"}) {
		t.Fatalf("many links: %v", got)
	}
	ok := consultationDef(sv.ID)
	ok.Background["sv"] = strings.Repeat("[a](https://example.org) ", markdown.MaxLinks)
	if _, err := a.CreateConsultation(ctx, actor, ok); err != nil {
		t.Fatalf("%d links: %v", markdown.MaxLinks, err)
	}
}
