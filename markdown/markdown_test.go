package markdown

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestRender(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"heading and emphasis", "## A *b* **c**", "<h2>A <em>b</em> <strong>c</strong></h2>"},
		{"lists", "- a\n- b\n\n3. c\n4. d", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>"},
		{"https link", "[read](https://example.org/a?b=1&c=2)",
			`<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noreferrer noopener" target="_blank">read</a></p>`},
		{"http link keeps its text only", "[read](http://example.org)", "<p>read</p>"},
		{"javascript link keeps its text only", "[read](javascript:alert(1))", "<p>read</p>"},
		{"relative link", "[read](/v1/org)", "<p>read</p>"},
		{"script removed with its content", "a\n\n<script>alert(1)</script>\n\nb", "<p>a</p>\n\n<p>b</p>"},
		{"inline html removed, text kept", `<b onclick="x">bold</b>`, "<p>bold</p>"},
		{"image removed", "![alt](https://example.org/i.png)", "<p></p>"},
		{"block quote", "> said", "<blockquote>\n<p>said</p>\n</blockquote>"},
		{"Arabic text", "## ما هو القرار؟\n\nنص *مهم*", "<h2>ما هو القرار؟</h2>\n<p>نص <em>مهم</em></p>"},
		{"html escaped in text", "1 < 2 & 3 > 2", "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Render(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

func TestRenderRefusesTooLong(t *testing.T) {
	if _, err := Render(strings.Repeat("a", MaxInput+1)); err != ErrTooLong {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	if _, err := Render(strings.Repeat("a", MaxInput)); err != nil {
		t.Fatal(err)
	}
}

// Every attack of the corpus renders to HTML in which an HTML parser
// finds only allowed elements, only allowed attributes, and only https
// link targets; nothing can run.
func TestXSSCorpus(t *testing.T) {
	f, err := os.Open("testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	allowed := map[string]bool{}
	for _, e := range Allowed {
		allowed[e] = true
	}
	attrs := map[string]*regexp.Regexp{
		"href":   regexp.MustCompile(`^https://[^\s]+$`),
		"rel":    regexp.MustCompile(`^nofollow noreferrer noopener$`),
		"target": regexp.MustCompile(`^_blank$`),
		"start":  regexp.MustCompile(`^[0-9]+$`),
	}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# One attack") || strings.HasPrefix(line, "# Comments") {
			continue
		}
		n++
		in := strings.ReplaceAll(line, `\n`, "\n")
		out, err := Render(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		low := strings.ToLower(out)
		for _, bad := range []string{"<script", "onerror=", "onload=", "onclick=", "<img", "<iframe", "<svg", "style="} {
			if strings.Contains(low, bad) {
				t.Errorf("%q rendered %q, which contains %q", in, out, bad)
			}
		}
		doc, err := html.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%q: parse %q: %v", in, out, err)
		}
		var walk func(*html.Node)
		walk = func(nd *html.Node) {
			if nd.Type == html.ElementNode && !map[string]bool{"html": true, "head": true, "body": true}[nd.Data] {
				if !allowed[nd.Data] {
					t.Errorf("%q rendered element <%s> in %q", in, nd.Data, out)
				}
				for _, a := range nd.Attr {
					re := attrs[a.Key]
					if re == nil || !re.MatchString(a.Val) {
						t.Errorf("%q rendered attribute %s=%q in %q", in, a.Key, a.Val, out)
					}
				}
			}
			if nd.Type == html.CommentNode {
				t.Errorf("%q rendered a comment in %q", in, out)
			}
			for ch := nd.FirstChild; ch != nil; ch = ch.NextSibling {
				walk(ch)
			}
		}
		walk(doc)
	}
	if n < 50 {
		t.Fatalf("only %d attacks read", n)
	}
}

func TestCheckNesting(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"> > > > > > > > a", nil},
		{"> > > > > > > > > a", ErrTooDeep},
		{">>>>>>>>>", ErrTooDeep},
		{"- > 1. * + > - > 2) a", ErrTooDeep},
		{"- > 1. * + > - > a", nil},
		{"1234567890. a " + strings.Repeat("> ", 20), nil}, // ten digits: not a list item
		{"a " + strings.Repeat("> ", 20), nil},             // not at the line's start
		{"ok\n" + strings.Repeat("> - ", 5000), ErrTooDeep},
		{"-a -b -c -d -e -f -g -h -i", nil}, // not markers without a space
	}
	for _, c := range cases {
		if err := Check(c.in); err != c.want {
			t.Errorf("Check(%.40q) = %v, want %v", c.in, err, c.want)
		}
		if _, err := Render(c.in); err != c.want {
			t.Errorf("Render(%.40q) = %v, want %v", c.in, err, c.want)
		}
	}
}

// Each "](" is a link goldmark tries to close by scanning the rest of
// its paragraph: 5,000 of them in one page of 20,000 characters took 0.3
// s to render (BenchmarkRender's "open links" is the most allowed).
func TestCheckLinks(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{strings.Repeat("[a](https://example.org) ", MaxLinks), nil},
		{strings.Repeat("[a](https://example.org) ", MaxLinks+1), ErrTooManyLinks},
		{strings.Repeat("[a](", 5000), ErrTooManyLinks},
		{strings.Repeat("![a](<", 3333), ErrTooManyLinks},
		{strings.Repeat("[a][b] [c] ", 2000), nil}, // reference links close at once
	}
	for _, c := range cases {
		if err := Check(c.in); err != c.want {
			t.Errorf("Check(%.40q) = %v, want %v", c.in, err, c.want)
		}
		if _, err := Render(c.in); err != c.want {
			t.Errorf("Render(%.40q) = %v, want %v", c.in, err, c.want)
		}
	}
}

// The worst inputs the domain allows (20,000 characters of deep nesting,
// many links, long emphasis runs) render in bounded time and memory:
// go test -bench Render ./markdown.
func BenchmarkRender(b *testing.B) {
	inputs := map[string]string{
		"nested quotes": strings.Repeat(strings.Repeat(">", MaxNesting)+" a\n", 2000),
		"nested lists":  strings.Repeat(strings.Repeat("- ", MaxNesting)+"a\n", 1000),
		"indented":      indentedLists(140),
		"links":         strings.Repeat("[a](https://example.org/x) ", MaxLinks) + strings.Repeat("x", 17000),
		"open links":    strings.Repeat("[a](", MaxLinks) + strings.Repeat("x", 20000-4*MaxLinks),
		"emphasis":      strings.Repeat("*a **b ", 2500),
		"brackets":      strings.Repeat("[", 20000),
		"prose":         strings.Repeat("Det här är en mening om beslutet. ", 600),
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Render(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// indentedLists nests lists by indentation, one level a line (no line
// opens more than one).
func indentedLists(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- a\n")
	}
	return b.String()
}
