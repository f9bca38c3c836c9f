// Package markdown renders the information pages of consultations: a safe
// subset of Markdown (headings, paragraphs, lists, links, emphasis, block
// quotes) turned into HTML that the app and the console can show as it
// is.
//
// Rendering is in two steps, each by a well-kept library: goldmark
// (CommonMark) writes the HTML, leaving out any raw HTML the text holds,
// and bluemonday then keeps only what an explicit allow-list names, so
// that whatever goldmark lets through (or a future version starts to
// emit) cannot reach a young person's screen: no scripts, no styles, no
// images, no event handlers, and links only to https addresses, opened
// with rel="nofollow noreferrer noopener" so that a page an organiser
// links to learns nothing about where the reader came from.
//
// The package imports neither the domain nor the web framework: api and
// app call it, and package surveys (which may import only the standard
// library and golang.org/x/text) only bounds the texts' sizes.
package markdown

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
)

// MaxInput is the longest text Render accepts, in bytes. The domain's
// limits keep every information page far below it (20,000 characters,
// at most 80,000 bytes); it bounds the work of any other caller.
const MaxInput = 256 << 10

// MaxNesting is the deepest a line may open block quotes and lists at
// its start ("> > - 1. " opens four). CommonMark's parsers spend time
// growing with the square of that depth (measured with goldmark 1.8.7:
// 20,000 ">" took 0.6 s, 5,000 "> - " 0.18 s); no information page needs
// more than a few levels.
const MaxNesting = 8

// MaxLinks is the most inline links ("](") a text may have. goldmark
// tries every "](" as the start of a link's address and, when none closes,
// scans the rest of the paragraph for each: 5,000 "[a](" (20,000
// characters, one information page in one language) took 0.3 s to render
// (36 s at MaxInput), and a consultation has up to 40 such pages. 100
// keep a page of 20,000 characters under 10 ms; no information page needs
// more links.
const MaxLinks = 100

// Errors of Check and Render.
var (
	// ErrTooLong: the text exceeds MaxInput.
	ErrTooLong = errors.New("markdown: text too long")
	// ErrTooDeep: a line nests more than MaxNesting quotes and lists.
	ErrTooDeep = errors.New("markdown: quotes and lists nested too deep")
	// ErrTooManyLinks: the text has more than MaxLinks inline links.
	ErrTooManyLinks = errors.New("markdown: too many links")
)

// Allowed lists the HTML elements a rendered page may contain: the
// subset of Markdown the documentation promises, and nothing else.
var Allowed = []string{
	"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
	"ul", "ol", "li", "em", "strong", "a", "blockquote",
}

var (
	// md renders CommonMark without raw HTML (goldmark's default: it
	// writes a comment in its place, which the policy drops) and without
	// extensions: no tables, images are rendered and then removed.
	md         = goldmark.New(goldmark.WithRendererOptions(html.WithXHTML()))
	policy     *bluemonday.Policy
	policyOnce sync.Once
)

// allowList is the policy: explicit, element by element, attribute by
// attribute. bluemonday's policies are safe for concurrent use once built.
func allowList() *bluemonday.Policy {
	policyOnce.Do(func() {
		p := bluemonday.NewPolicy()
		p.AllowElements(Allowed...)
		p.AllowAttrs("href").OnElements("a")
		p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
		p.AllowURLSchemes("https")
		p.AllowRelativeURLs(false)
		p.RequireParseableURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		// target="_blank" with rel="noopener": the app opens an outside
		// page apart from itself, and the page cannot reach back.
		p.AddTargetBlankToFullyQualifiedLinks(true)
		policy = p
	})
	return policy
}

// Render turns Markdown into sanitised HTML. A link that is not https
// (http, javascript:, data:, a relative address) keeps its text and loses
// its address; raw HTML, images and anything else outside Allowed are
// removed (the text of an element that is not a script or a style is
// kept). The same input always renders to the same output.
func Render(src string) (string, error) {
	if err := Check(src); err != nil {
		return "", err
	}
	if src == "" {
		return "", nil
	}
	var buf bytes.Buffer
	buf.Grow(len(src) * 3 / 2)
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(allowList().SanitizeBytes(buf.Bytes()))), nil
}

// Check reports whether Render accepts src: ErrTooLong, ErrTooManyLinks
// or ErrTooDeep, or nil. It reads src twice at most.
func Check(src string) error {
	if len(src) > MaxInput {
		return ErrTooLong
	}
	if strings.Count(src, "](") > MaxLinks {
		return ErrTooManyLinks
	}
	for line := range strings.Lines(src) {
		if nesting(line) > MaxNesting {
			return ErrTooDeep
		}
	}
	return nil
}

// nesting counts the block quote and list markers that open a line: ">",
// "-", "*" or "+" followed by a space, and a number of at most nine digits
// followed by "." or ")" and a space. Indentation between them is skipped.
func nesting(line string) int {
	depth, i := 0, 0
	for i < len(line) && depth <= MaxNesting {
		switch {
		case isBlank(line[i]):
			i++
		case line[i] == '>':
			depth++
			i++
		default:
			next, ok := listMarker(line, i)
			if !ok {
				return depth
			}
			depth++
			i = next
		}
	}
	return depth
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// listMarker reports whether a list item's marker starts line at i, and
// where what follows it starts.
func listMarker(line string, i int) (next int, ok bool) {
	if c := line[i]; c == '-' || c == '*' || c == '+' {
		return i + 2, i+1 < len(line) && isBlank(line[i+1])
	}
	j := i
	for j < len(line) && j-i < 10 && line[j] >= '0' && line[j] <= '9' {
		j++
	}
	if j == i || j-i > 9 || j+1 >= len(line) || (line[j] != '.' && line[j] != ')') || !isBlank(line[j+1]) {
		return 0, false
	}
	return j + 2, true
}
