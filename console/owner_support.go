package console

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// supportView is the support resources page's data: the organisation's
// default support resources (where a young person can get help, per
// country: new surveys take them), read per country, and for owners and
// editors the form that changes them.
type supportView struct {
	Countries []supportCountry
	CanEdit   bool
	Saved     bool
	Slots     []supportSlot
	Max       int
	Form      *form
}

type supportCountry struct {
	Country string
	Items   []supportItem
}

type supportItem struct {
	Name, NameLang, Phone, URL, Hours, HoursLang string
}

// supportSlot is one resource in the form: a stored one, one refused
// with the form, or an empty one to add.
type supportSlot struct {
	Pre                 string // the prefix of its fields' names and ids: "r0"
	N                   int    // its number on the page, from 1
	Country, Phone, URL string
	Names, Hours        []textField
	Remove              bool
}

// textField is a text in one language.
type textField struct {
	Lang, Label, Value string
	Dir                string
}

// emptySlots is how many empty resources the form offers to fill in (a
// form without script cannot add fields; saving offers more).
const emptySlots = 3

// maxSlots bounds the resources a posted form may hold: the most an
// organisation may have, and the empty ones offered.
const maxSlots = surveys.MaxSupportResources + emptySlots

// maxFormLanguages bounds the languages of a posted form's texts.
const maxFormLanguages = 40

// supportPage is GET /console/support: every role reads the resources
// (as GET /v1/org/support-resources); owners and editors get the form.
func (c *Console) supportPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	org, err := c.store.Org(ctx.UserContext(), w.tok.OrgID)
	if err != nil {
		return err
	}
	v := &supportView{Saved: ctx.Query("saved") == "1"}
	langs := c.supportLanguages(org.SupportResources, nil)
	for i, r := range org.SupportResources {
		v.Slots = append(v.Slots, supportSlotOf(i, r, langs))
	}
	return c.renderSupport(ctx, w, fiber.StatusOK, v, langs)
}

// renderSupport shows the stored resources and, for those who may change
// them, the form holding v.Slots (the stored ones, or those of a refused
// form) and some empty ones.
func (c *Console) renderSupport(ctx *fiber.Ctx, w *who, status int, v *supportView, langs []string) error {
	rctx := ctx.UserContext()
	org, err := c.store.Org(rctx, w.tok.OrgID)
	if err != nil {
		return err
	}
	lang := c.lang(ctx)
	v.Countries = supportCountries(org.SupportResources, lang)
	v.CanEdit = slices.Contains(designers, w.tok.Role)
	v.Max = surveys.MaxSupportResources
	if !v.CanEdit {
		v.Slots = nil
	}
	next := 0
	if len(v.Slots) > 0 {
		next = v.Slots[len(v.Slots)-1].N
	}
	for i := next; v.CanEdit && i < min(next+emptySlots, maxSlots); i++ {
		v.Slots = append(v.Slots, supportSlotOf(i, surveys.SupportResource{}, langs))
	}
	return c.render(ctx, status, "owner_support", &page{Title: c.cat.Message(lang, "console.support.title", nil), Data: v})
}

// supportLanguages are the languages the form has a field for in each
// text: the server's, then any other the resources have.
func (c *Console) supportLanguages(rs []surveys.SupportResource, extra []string) []string {
	langs := c.cat.Languages()
	more := slices.Clone(extra)
	for _, r := range rs {
		for l := range r.Name {
			more = append(more, l)
		}
		for l := range r.Hours {
			more = append(more, l)
		}
	}
	slices.Sort(more)
	for _, l := range slices.Compact(more) {
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return langs
}

func supportSlotOf(i int, r surveys.SupportResource, langs []string) supportSlot {
	s := supportSlot{Pre: "r" + strconv.Itoa(i), N: i + 1, Country: r.Country, Phone: r.Phone, URL: r.URL}
	for _, l := range langs {
		s.Names = append(s.Names, textField{Lang: l, Label: languageName(l), Value: r.Name[l], Dir: i18n.Direction(l)})
		s.Hours = append(s.Hours, textField{Lang: l, Label: languageName(l), Value: r.Hours[l], Dir: i18n.Direction(l)})
	}
	return s
}

// supportCountries groups resources by country, in the page's language
// (or another the text has).
func supportCountries(rs []surveys.SupportResource, lang string) []supportCountry {
	var out []supportCountry
	for _, r := range rs {
		name, nameLang := textIn(r.Name, lang)
		hours, hoursLang := textIn(r.Hours, lang)
		item := supportItem{Name: name, NameLang: nameLang, Phone: r.Phone, URL: r.URL, Hours: hours, HoursLang: hoursLang}
		i := slices.IndexFunc(out, func(g supportCountry) bool { return g.Country == r.Country })
		if i < 0 {
			out = append(out, supportCountry{Country: r.Country})
			i = len(out) - 1
		}
		out[i].Items = append(out[i].Items, item)
	}
	slices.SortStableFunc(out, func(a, b supportCountry) int { return strings.Compare(a.Country, b.Country) })
	return out
}

// textIn is a text in lang, else in English, else in the first language
// it has (and that language).
func textIn(t surveys.Text, lang string) (string, string) {
	for _, l := range []string{lang, "en"} {
		if s, ok := t[l]; ok {
			return s, l
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return "", ""
	}
	return t[keys[0]], keys[0]
}

// saveSupport is POST /console/support (owners and editors, as PUT
// /v1/org/support-resources): the form's resources, checked by
// surveys.ValidateSupportResources and stored by
// store.SetSupportResources, as the API does (which keeps no audit entry
// for them). A refused form is shown again, each problem next to its
// field, and nothing is stored.
func (c *Console) saveSupport(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	slots, langs, err := parseSupportForm(ctx)
	if err != nil {
		return err
	}
	var rs []surveys.SupportResource
	var slotOf []int // the form's slot of each resource in rs
	for i, s := range slots {
		if s == nil || s.remove || s.empty() {
			continue
		}
		rs = append(rs, s.r)
		slotOf = append(slotOf, i)
	}
	verr := surveys.ValidateSupportResources(rs)
	var ve *surveys.ValidationError
	if errors.As(verr, &ve) {
		v := &supportView{Form: &form{}}
		c.addAll(v.Form, c.lang(ctx), ve.Errors, func(p string) string { return supportField(p, slotOf) })
		// The form again as it was sent, removed and empty resources
		// included, each at its number (the problems' fields name it), so
		// that nothing typed is lost.
		var sent []surveys.SupportResource
		for _, s := range slots {
			if s != nil {
				sent = append(sent, s.r)
			}
		}
		langs = c.supportLanguages(sent, langs)
		for i, s := range slots {
			if s != nil && (!s.empty() || s.remove) {
				slot := supportSlotOf(i, s.r, langs)
				slot.Remove = s.remove
				v.Slots = append(v.Slots, slot)
			}
		}
		return c.renderSupport(ctx, w, fiber.StatusUnprocessableEntity, v, langs)
	}
	if verr != nil {
		return verr
	}
	if err := c.store.SetSupportResources(ctx.UserContext(), w.tok.OrgID, rs); err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"support?saved=1", fiber.StatusSeeOther)
}

// postedSlot is one resource of a posted form.
type postedSlot struct {
	r      surveys.SupportResource
	remove bool
}

func (s *postedSlot) empty() bool {
	return s.r.Country == "" && len(s.r.Name) == 0 && s.r.Phone == "" && s.r.URL == "" && len(s.r.Hours) == 0
}

// supportKey is a form field's name: r<slot>.<field>[.<language>].
var supportKey = regexp.MustCompile(`^r(\d{1,2})\.(country|phone|url|remove|name|hours)(?:\.([A-Za-z0-9-]{1,35}))?$`)

// parseSupportForm reads the posted resources, by slot. The form's own
// fields only: a field the form never has, a slot beyond maxSlots or
// more than maxFormLanguages languages is a 400 (a hand-made request, not
// a person's mistake).
func parseSupportForm(ctx *fiber.Ctx) ([]*postedSlot, []string, error) {
	slots := make([]*postedSlot, maxSlots)
	var langs []string
	var bad error
	ctx.Request().PostArgs().VisitAll(func(k, val []byte) {
		key := string(k)
		if bad != nil || key == "csrf" {
			return
		}
		m := supportKey.FindStringSubmatch(key)
		if m == nil {
			bad = errBadQuery
			return
		}
		i, _ := strconv.Atoi(m[1])
		text := m[2] == "name" || m[2] == "hours"
		if i >= maxSlots || text != (m[3] != "") {
			bad = errBadQuery
			return
		}
		if slots[i] == nil {
			slots[i] = &postedSlot{}
		}
		s, value := slots[i], strings.TrimSpace(string(val))
		switch m[2] {
		case "country":
			s.r.Country = strings.ToUpper(value)
		case "phone":
			s.r.Phone = value
		case "url":
			s.r.URL = value
		case "remove":
			s.remove = value != ""
		default:
			if !slices.Contains(langs, m[3]) {
				if len(langs) == maxFormLanguages {
					bad = errBadQuery
					return
				}
				langs = append(langs, m[3])
			}
			if value == "" {
				return
			}
			t := &s.r.Name
			if m[2] == "hours" {
				t = &s.r.Hours
			}
			if *t == nil {
				*t = surveys.Text{}
			}
			(*t)[m[3]] = value
		}
	})
	return slots, langs, bad
}

// supportField is the element id of the field a problem's pointer names
// (/<resource>/<field>[/<language>], the resource's index in the list
// stored), or of the list itself.
func supportField(ptr string, slotOf []int) string {
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	k, err := strconv.Atoi(toks[0])
	if ptr == "" || err != nil || k < 0 || k >= len(slotOf) {
		return "resources"
	}
	return "r" + strconv.Itoa(slotOf[k]) + "-" + strings.Join(toks[1:], "-")
}
