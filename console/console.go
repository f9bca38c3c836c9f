// Package console is YouthVoice's web console for organisers and
// ministries, served by the same server at /console/: pages rendered on the
// server from embedded templates, working without JavaScript, on the API's
// rules (the same roles, the same release through disclosure control, the
// same audit entries, the same messages and language negotiation).
//
// Extending it (docs/console.md): one handler file per area (signin.go,
// home.go, results.go, exports.go), one template per page
// (templates/<page>.html, which defines "content" and is rendered inside
// templates/layout.html), every route in routes() below, every string a
// console.* message in all of i18n/locales. A handler starts with
// c.signedIn(ctx, roles...) and returns errors: guard turns them into a
// translated error page (or sends the person to sign in).
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
)

//go:embed templates/*.html static/*.css
var files embed.FS

// Deps is what the console needs from the server that mounts it.
type Deps struct {
	App     *app.App
	Catalog *i18n.Catalog
	Logger  *slog.Logger
	// Now is the server's clock (tests inject one).
	Now func() time.Time
	// TrustedProxies are the server's trusted proxies (api.Options): only
	// from them is X-Forwarded-Proto believed when deciding whether the
	// session cookie is Secure.
	TrustedProxies []netip.Prefix
	// Forget, when set, drops the server's cached copy of a survey the
	// console changed (the API's survey cache), as the API's own changes
	// do.
	Forget func(surveyID string)
}

// Console serves the pages.
type Console struct {
	app     *app.App
	store   *store.Store
	cat     *i18n.Catalog
	log     *slog.Logger
	now     func() time.Time
	trusted []netip.Prefix
	drop    func(string) // Deps.Forget
	pages   map[string]*template.Template
	css     []byte
	cssHash string // the stylesheet's version in its URL, so it may be cached
}

// Prefix is where the console is mounted.
const Prefix = "/console/"

// New parses the templates; a template that does not parse is a
// programming error found by every test, so it panics.
func New(d Deps) *Console {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	c := &Console{app: d.App, store: d.App.Store(), cat: d.Catalog, log: d.Logger, now: d.Now, trusted: d.TrustedProxies,
		drop: d.Forget, pages: map[string]*template.Template{}}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		c.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", n))
	}
	c.css, err = files.ReadFile("static/console.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(c.css)
	c.cssHash = hex.EncodeToString(sum[:8])
	return c
}

// Mount adds the console's routes to the server's router.
func Mount(r fiber.Router, d Deps) *Console {
	c := New(d)
	r.Get("/console", func(ctx *fiber.Ctx) error { return ctx.Redirect(Prefix, fiber.StatusMovedPermanently) })
	c.routes(r.Group("/console", c.guard))
	return c
}

// routes is the console's whole route table (paths under /console). Every
// action that changes something is a POST of a form carrying the
// session's CSRF token; GETs change nothing but the language cookie.
func (c *Console) routes(g fiber.Router) {
	g.Get("/static/console.css", c.stylesheet)
	g.Get("/signin", c.signInPage)
	g.Post("/signin", c.signIn)
	g.Post("/signout", c.signOut)
	g.Get("/", c.home)
	g.Get("/surveys/:id", c.results)
	g.Get("/surveys/:id/export", c.export)
	// Weighting to the population (weighting*.go): every reader of the
	// release sees the totals and the weighted figures; owners and editors
	// of the survey's organisation upload and remove the totals.
	g.Get("/surveys/:id/weighted", c.weightedPage)
	g.Get("/surveys/:id/weighting/template", c.marginsTemplate)
	g.Post("/surveys/:id/weighting", c.uploadWeighting)
	g.Get("/surveys/:id/weighting/remove", c.confirmWeightingRemoval)
	g.Post("/surveys/:id/weighting/remove", c.removeWeighting)
	// Authoring (author_*.go): owners and editors act, analysts read.
	g.Get("/new", c.newSurveyPage)
	g.Post("/new", c.newSurvey)
	g.Post("/new/example", c.newFromExample)
	g.Get("/surveys/:id/design", c.design)
	g.Get("/surveys/:id/preview", c.preview)
	g.Post("/surveys/:id/preview", c.answerPreview)
	g.Get("/surveys/:id/translations", c.newLanguageFile)
	g.Get("/surveys/:id/translations/:lang", c.translationFile)
	g.Post("/surveys/:id/translations", c.uploadTranslations)
	g.Get("/surveys/:id/state/:action", c.confirmState)
	g.Post("/surveys/:id/state/:action", c.changeState)
	g.Get("/surveys/:id/codes", c.codesPage)
	g.Post("/surveys/:id/codes", c.issueCodes)
	// The owners' pages (owner_*.go): owners only, but support resources
	// (every role reads them; owners and editors change them), as the API.
	g.Get("/org", c.orgPage)
	g.Post("/org", c.renameOrg)
	g.Get("/tokens", c.tokensPage)
	g.Post("/tokens", c.createToken)
	g.Get("/tokens/:tokenID/revoke", c.confirmRevoke)
	g.Post("/tokens/:tokenID/revoke", c.revokeToken)
	g.Get("/shares", c.sharesIndex)
	g.Get("/surveys/:id/shares", c.surveyShares)
	g.Post("/surveys/:id/shares", c.addShare)
	g.Get("/surveys/:id/shares/:orgID/remove", c.confirmUnshare)
	g.Post("/surveys/:id/shares/:orgID/remove", c.removeShare)
	g.Get("/support", c.supportPage)
	g.Post("/support", c.saveSupport)
	g.Get("/audit", c.auditLog)
	// Consultations (consultations*.go): every role of the organisation
	// reads, a ministry the shared ones; owners and editors act.
	g.Get("/consultations", c.consultationsPage)
	g.Get("/consultations/new", c.uploadPage)
	g.Post("/consultations/new", c.upload)
	g.Get("/consultations/:id", c.consultationPage)
	g.Get("/consultations/:id/report", c.consultationReport)
	g.Get("/consultations/:id/definition", c.consultationDefinition)
	g.Get("/consultations/:id/edit", c.uploadPage)
	g.Post("/consultations/:id/edit", c.upload)
	g.Get("/consultations/:id/move/:action", c.confirmMove)
	g.Post("/consultations/:id/move/:action", c.moveConsultation)
	g.Get("/consultations/:id/outcome", c.uploadPage)
	g.Post("/consultations/:id/outcome", c.upload)
	g.Get("/consultations/:id/outcome/update", c.uploadPage)
	g.Post("/consultations/:id/outcome/update", c.upload)
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"upper": strings.ToUpper,
	// dict passes several values to a sub-template: name, value pairs.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				m[k] = kv[i+1]
			}
		}
		return m
	},
}

// page is what every template gets: the layout's fields and the page's
// own Data.
type page struct {
	Title     string
	Lang      string
	Dir       string
	Languages []choice
	// Path and Keep make the language picker: a GET form to the same page
	// keeping the page's own query parameters.
	Path      string
	Keep      []keyValue
	CSRF      string // the session's token for the forms (signed in), or the sign-in form's
	SignedIn  bool
	Role      string
	CSS       string // the stylesheet's URL
	Data      any
	c         *Console
	requestID string
}

// choice is an option of a select.
type choice struct {
	Value, Label string
	Selected     bool
}

type keyValue struct{ Key, Value string }

// T translates a console message in the page's language; args are
// name, value pairs for the message's template.
func (p *page) T(id string, args ...any) string {
	var data map[string]any
	if len(args) > 1 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := args[i].(string); ok {
				data[k] = args[i+1]
			}
		}
	}
	return p.c.cat.Message(p.Lang, id, data)
}

// render writes a page inside the layout.
func (c *Console) render(ctx *fiber.Ctx, status int, name string, p *page) error {
	lang := c.lang(ctx)
	p.c = c
	p.Lang, p.Dir = lang, i18n.Direction(lang)
	p.Path = ctx.Path()
	p.CSS = Prefix + "static/console.css?v=" + c.cssHash
	for _, l := range c.cat.Languages() {
		p.Languages = append(p.Languages, choice{Value: l, Label: languageName(l), Selected: l == lang})
	}
	if w, ok := ctx.Locals(localWho).(*who); ok {
		p.SignedIn, p.Role = true, string(w.tok.Role)
		if p.CSRF == "" {
			p.CSRF = w.sess.CSRF
		}
	}
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	ctx.Set(fiber.HeaderContentLanguage, lang)
	return ctx.Status(status).Send(buf.Bytes())
}

// stylesheet serves the console's one CSS file (versioned by its hash in
// the URL, so it may be cached).
func (c *Console) stylesheet(ctx *fiber.Ctx) error {
	ctx.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	ctx.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return ctx.Send(c.css)
}
