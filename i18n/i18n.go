// Package i18n holds every string the server writes for people, in every
// language it speaks, and chooses the language for a request.
//
// Message files are embedded in the binary (locales/*.json, go-i18n's flat
// JSON format). English is the source language: every message id used in
// code must exist in English, and every other language must have every
// English message (see i18n_test.go).
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Source is the language every message is written in first and the one used
// when nothing the client asks for is supported.
const Source = "en"

// Catalog is the set of translated messages and the languages they cover.
type Catalog struct {
	bundle     *goi18n.Bundle
	languages  []string // Source first, then the others sorted
	matcher    Matcher
	localizers map[string]*goi18n.Localizer
	ids        map[string]map[string]bool // language -> message ids it has
}

// New loads the embedded message files.
func New() (*Catalog, error) {
	bundle := goi18n.NewBundle(language.English)
	files, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: list message files: %w", err)
	}
	langs := []string{Source}
	ids := map[string]map[string]bool{}
	for _, f := range files {
		mf, err := bundle.LoadMessageFileFS(localeFS, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: load %s: %w", f, err)
		}
		lang := strings.TrimSuffix(path.Base(f), ".json")
		ids[lang] = map[string]bool{}
		for _, m := range mf.Messages {
			ids[lang][m.ID] = true
		}
		if lang != Source {
			langs = append(langs, lang)
		}
	}
	sort.Strings(langs[1:])
	c := &Catalog{
		bundle:     bundle,
		languages:  langs,
		matcher:    NewMatcher(langs),
		localizers: make(map[string]*goi18n.Localizer, len(langs)),
		ids:        ids,
	}
	for _, l := range langs {
		c.localizers[l] = goi18n.NewLocalizer(bundle, l)
	}
	return c, nil
}

// Languages lists the languages the server speaks, the source language first.
func (c *Catalog) Languages() []string { return append([]string(nil), c.languages...) }

// Negotiate picks the supported language that best matches an explicit
// choice (a `?lang=` value, may be empty) and then an Accept-Language header.
func (c *Catalog) Negotiate(explicit, acceptLanguage string) string {
	return c.matcher.Best(explicit, acceptLanguage)
}

// Message translates message id into lang, filling its template with data.
// A message missing in lang falls back to English; an id missing everywhere
// yields the id itself, so a gap is visible rather than blank.
func (c *Catalog) Message(lang, id string, data map[string]any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[Source]
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		if s != "" {
			return s // found in the fallback language
		}
		return id
	}
	return s
}

// Has reports whether lang has its own translation of id.
func (c *Catalog) Has(lang, id string) bool { return c.ids[lang][id] }

// IDs lists every message id of lang, sorted.
func (c *Catalog) IDs(lang string) []string {
	ids := make([]string, 0, len(c.ids[lang]))
	for id := range c.ids[lang] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// rtlScripts are the scripts written right to left among those a survey may use.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Thaa": true, "Syrc": true, "Nkoo": true, "Adlm": true}

// Direction is "rtl" for a language written right to left, else "ltr".
func Direction(lang string) string {
	t, err := language.Parse(lang)
	if err != nil {
		return "ltr"
	}
	s, _ := t.Script()
	if rtlScripts[s.String()] {
		return "rtl"
	}
	return "ltr"
}
