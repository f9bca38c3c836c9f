package xlsform

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// The texts of each sheet that are written once per language.
var (
	surveyTexts   = []string{"label", "hint", "youthvoice::unit"}
	choiceTexts   = []string{"label"}
	settingsTexts = []string{"youthvoice::title", "youthvoice::description", "youthvoice::introduction",
		"youthvoice::thank_you", "youthvoice::content_note"}
	supportTexts = []string{"name", "hours"}
)

// textSheets are the sheets with texts, and their text columns.
func (c *converter) textSheets() []textSheet {
	return []textSheet{{c.sv, surveyTexts}, {c.ch, choiceTexts}, {c.st, settingsTexts}, {c.sp, supportTexts}}
}

type textSheet struct {
	cs    *columns
	bases []string
}

// languages reads the default language (settings) and the language of
// every text column, and declares the languages in the order their
// columns come.
func (c *converter) languages() {
	c.settingsLanguage()
	plain, first := c.resolveColumns()
	if c.def.DefaultLanguage == "" {
		c.def.DefaultLanguage = first
		if plain || first == "" {
			c.def.DefaultLanguage = i18n.Source
		}
		c.warn(c.st.s, 0, "default_language", "", CodeLanguageAssumed, map[string]any{"Language": c.def.DefaultLanguage})
	}
	for _, sh := range c.textSheets() {
		c.declare(sh)
	}
	if !slices.Contains(c.def.Languages, c.def.DefaultLanguage) {
		c.def.Languages = append(c.def.Languages, c.def.DefaultLanguage)
	}
}

// settingsLanguage reads the settings' default_language.
func (c *converter) settingsLanguage() {
	if c.st.s == nil || len(c.st.s.rows) == 0 {
		return
	}
	r := &c.st.s.rows[0]
	v := c.st.value(r, "default_language")
	if v == "" || strings.EqualFold(v, "default") {
		return
	}
	if code, ok := resolveLanguage(v); ok {
		c.def.DefaultLanguage = code
		c.locate("/default_language", c.st, r, "default_language")
		return
	}
	c.cellProblem(c.st, r, "default_language", CodeLanguageUnknown, map[string]any{"Language": v})
}

// resolveColumns finds the language of each text column that names one,
// reporting those it cannot tell. It reports whether a text column names
// none, and the first language named.
func (c *converter) resolveColumns() (plain bool, first string) {
	for _, sh := range c.textSheets() {
		for k := range sh.cs.all {
			col := &sh.cs.all[k]
			if !slices.Contains(sh.bases, col.base) {
				continue
			}
			if col.lang == "" || strings.EqualFold(col.lang, "default") {
				col.lang, plain = "", true
				continue
			}
			code, ok := resolveLanguage(col.lang)
			if !ok {
				c.problem(sh.cs.s, sh.cs.s.headerRow, col.raw, col.raw, CodeLanguageUnknown, map[string]any{"Language": col.lang})
				continue
			}
			col.code = code
			if first == "" {
				first = code
			}
		}
	}
	return plain, first
}

// declare gives the text columns that name no language the default one,
// reports one language written twice for one text, and declares the
// languages in column order.
func (c *converter) declare(sh textSheet) {
	seen := map[string]bool{}
	for k := range sh.cs.all {
		col := &sh.cs.all[k]
		if !slices.Contains(sh.bases, col.base) {
			continue
		}
		key := col.base + "\x00" + col.code
		switch {
		case col.lang == "":
			col.code = c.def.DefaultLanguage
		case col.code != "" && seen[key]:
			// label::en beside label::English (en): one language twice.
			c.problem(sh.cs.s, sh.cs.s.headerRow, col.raw, col.raw, CodeDuplicateColumn, map[string]any{"Column": col.raw})
			col.code = ""
			continue
		default:
			seen[key] = true
		}
		if col.code != "" && !slices.Contains(c.def.Languages, col.code) {
			c.locs[surveys.Pointer("languages", len(c.def.Languages))] = loc{sheet: sh.cs.s.name, row: sh.cs.s.headerRow, column: col.raw, cell: col.raw}
			c.def.Languages = append(c.def.Languages, col.code)
		}
	}
}

// choice is one row of the choices sheet.
type choice struct {
	r     *row
	name  string
	label surveys.Text
	other bool
}

type choiceList struct {
	choices []choice
}

// choices reads the choices sheet into lists, in the order written.
func (c *converter) choices() {
	if c.ch.s == nil {
		return
	}
	for i := range c.ch.s.rows {
		r := &c.ch.s.rows[i]
		list, name := c.ch.value(r, "list_name"), c.ch.value(r, "name")
		if list == "" {
			if name != "" {
				c.cellProblem(c.ch, r, "list_name", surveys.CodeRequired, nil)
			}
			continue
		}
		l := c.lists[list]
		if l == nil {
			l = &choiceList{}
			c.lists[list] = l
		}
		other, ok := yesNo(c.ch.value(r, "youthvoice::other"))
		if !ok {
			c.cellProblem(c.ch, r, "youthvoice::other", CodeYesNo, nil)
		}
		l.choices = append(l.choices, choice{r: r, name: name, label: c.text(c.ch, r, "label", ""), other: other})
	}
}

// yesNo reads a yes/no cell as pyxform does (yes, true, TRUE(), no...);
// an empty cell is no. It reports false for anything else.
func yesNo(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "true()", "1":
		return true, true
	case "", "no", "false", "false()", "0":
		return false, true
	}
	return false, false
}

// settings reads the settings sheet: its first row under the header.
func (c *converter) settings() {
	if c.st.s == nil || len(c.st.s.rows) == 0 {
		return
	}
	r := &c.st.s.rows[0]
	d := &c.def
	if v := c.st.value(r, "form_title"); v != "" {
		d.Title = surveys.Text{d.DefaultLanguage: v}
		c.locate("/title", c.st, r, "form_title")
		c.locate("/title/"+d.DefaultLanguage, c.st, r, "form_title")
	}
	if t := c.text(c.st, r, "youthvoice::title", "/title"); t != nil {
		if d.Title == nil {
			d.Title = surveys.Text{}
		}
		for k, v := range t {
			d.Title[k] = v
		}
	}
	d.Description = c.text(c.st, r, "youthvoice::description", "/description")
	d.Introduction = c.text(c.st, r, "youthvoice::introduction", "/introduction")
	d.ThankYou = c.text(c.st, r, "youthvoice::thank_you", "/thank_you")
	d.ContentNote = c.text(c.st, r, "youthvoice::content_note", "/content_note")
	d.EstimatedMinutes = c.intSetting(r, "estimated_minutes", "/estimated_minutes")
	d.K = c.intSetting(r, "k", "/k")
	d.Audience.MinAge = c.intSetting(r, "min_age", "/audience/min_age")
	d.Audience.MaxAge = c.intSetting(r, "max_age", "/audience/max_age")
	d.PublicResults = c.boolSetting(r, "public_results", "/public_results")
	d.AccessCodes = c.boolSetting(r, "access_codes", "/access_codes")
	d.Sensitive = c.boolSetting(r, "sensitive", "/sensitive")
	d.OpensAt = c.timeSetting(r, "opens_at", "/opens_at")
	d.ClosesAt = c.timeSetting(r, "closes_at", "/closes_at")
	if v := c.st.value(r, "youthvoice::regions"); v != "" {
		d.Audience.Regions = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
		c.locate("/audience/regions", c.st, r, "youthvoice::regions")
	}
}

func (c *converter) intSetting(r *row, name, ptr string) int {
	base := "youthvoice::" + name
	c.locate(ptr, c.st, r, base)
	v := c.st.value(r, base)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f != float64(int(f)) || f > 1e6 || f < -1e6 {
			c.cellProblem(c.st, r, base, CodeSettingInvalid, map[string]any{"Setting": base})
			return 0
		}
		n = int(f)
	}
	return n
}

func (c *converter) boolSetting(r *row, name, ptr string) bool {
	base := "youthvoice::" + name
	c.locate(ptr, c.st, r, base)
	b, ok := yesNo(c.st.value(r, base))
	if !ok {
		c.cellProblem(c.st, r, base, CodeYesNo, nil)
	}
	return b
}

func (c *converter) timeSetting(r *row, name, ptr string) *time.Time {
	base := "youthvoice::" + name
	c.locate(ptr, c.st, r, base)
	v := c.st.value(r, base)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		c.cellProblem(c.st, r, base, CodeSettingInvalid, map[string]any{"Setting": base})
		return nil
	}
	return &t
}

// support reads the youthvoice_support sheet: one support resource a row.
func (c *converter) support() {
	if c.sp.s == nil {
		return
	}
	c.locs["/support_resources"] = loc{sheet: c.sp.s.name}
	for i := range c.sp.s.rows {
		r := &c.sp.s.rows[i]
		ptr := surveys.Pointer("support_resources", len(c.def.SupportResources))
		c.locate(ptr, c.sp, r, "")
		for _, f := range []string{"country", "phone", "url"} {
			c.locate(ptr+"/"+f, c.sp, r, f)
		}
		c.def.SupportResources = append(c.def.SupportResources, surveys.SupportResource{
			Country: c.sp.value(r, "country"),
			Name:    c.text(c.sp, r, "name", ptr+"/name"),
			Phone:   c.sp.value(r, "phone"),
			URL:     c.sp.value(r, "url"),
			Hours:   c.text(c.sp, r, "hours", ptr+"/hours"),
		})
	}
}

// catalog holds the server's messages, for the few texts Read writes into
// a survey itself ("Other" of an or_other, the title of an untitled form).
var catalog = sync.OnceValues(i18n.New)

// message is a server text in each of the survey's languages (English
// where the server does not speak one).
func (c *converter) message(id string) surveys.Text {
	cat, err := catalog()
	t := surveys.Text{}
	for _, l := range c.def.Languages {
		if err != nil {
			t[l] = id
			continue
		}
		t[l] = cat.Message(i18n.NewMatcher(cat.Languages()).Best(l, ""), id, nil)
	}
	return t
}

// title falls back on the form's id, or "Untitled survey", when the
// settings give no title: many published XLSForms have none.
func (c *converter) title() {
	if c.def.Title[c.def.DefaultLanguage] != "" {
		return
	}
	var t surveys.Text
	if c.st.s != nil && len(c.st.s.rows) > 0 {
		if id := c.st.value(&c.st.s.rows[0], "form_id"); id != "" {
			t = surveys.Text{c.def.DefaultLanguage: id}
		}
	}
	if t == nil {
		t = c.message("text.xlsform_untitled")
	}
	if c.def.Title == nil {
		c.def.Title = surveys.Text{}
	}
	for k, v := range t {
		if c.def.Title[k] == "" {
			c.def.Title[k] = v
		}
	}
	c.warn(c.st.s, 0, "form_title", "", CodeTitleAssumed, map[string]any{"Title": c.def.Title[c.def.DefaultLanguage]})
}
