package export

import (
	"fmt"
	"reflect"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// The script check: a summary holding text the report cannot render
// (scripts that need shaping beyond Arabic's contextual forms, letters
// the font has no glyph for) is refused with ErrScript before anything
// is written.

// pdfComplexScripts are scripts that need shaping (reordered or stacked
// glyphs, marks placed by the font) or right-to-left ordering that the
// report does not do: Arabic is shaped (pdf_arabic.go); Hebrew would need
// only the bidirectional algorithm, but the font has no Hebrew glyphs.
var pdfComplexScripts = []*unicode.RangeTable{
	unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko,
	unicode.Samaritan, unicode.Mandaic, unicode.Adlam, unicode.Hanifi_Rohingya,
	unicode.Yezidi, unicode.Mongolian, unicode.Tifinagh,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati,
	unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada,
	unicode.Malayalam, unicode.Sinhala, unicode.Thai, unicode.Lao,
	unicode.Tibetan, unicode.Myanmar, unicode.Khmer, unicode.Tai_Tham,
	unicode.Balinese, unicode.Javanese, unicode.Sundanese,
}

// pdfGlyphs is the set of BMP runes both faces of the report's font have
// a glyph for.
type pdfGlyphs [1 << 16 / 64]uint64

func (g *pdfGlyphs) has(r rune) bool {
	return r >= 0 && r < 1<<16 && g[r>>6]&(1<<(uint(r)&63)) != 0
}

var pdfCoverage = sync.OnceValues(func() (*pdfGlyphs, error) {
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{pdfFontRegular, pdfFontBold} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("export: pdf font: %w", err)
		}
		fonts = append(fonts, f)
	}
	g := new(pdfGlyphs)
	var buf sfnt.Buffer
	for r := rune(0x20); r < 1<<16; r++ {
		ok := true
		for _, f := range fonts {
			if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
				ok = false
				break
			}
		}
		if ok {
			g[r>>6] |= 1 << (uint(r) & 63)
		}
	}
	return g, nil
})

// pdfRuneOK reports whether r can be printed, or left out without
// garbling a word (symbols such as emoji the font has no glyph for).
func pdfRuneOK(r rune, cov *pdfGlyphs) bool {
	if r < utf8.RuneSelf {
		return true
	}
	if unicode.In(r, pdfComplexScripts...) {
		return false
	}
	if unicode.Is(unicode.Cf, r) {
		return true // format characters (bidi marks, joiners) are not printed
	}
	if unicode.Is(unicode.Arabic, r) {
		// A letter the report cannot shape would print in its isolated
		// form inside a word; presentation forms written as such print
		// as they are.
		return (pdfShapable(r) || r >= 0xFB50) && cov.has(r)
	}
	if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
		// Right-to-left punctuation the font has (the Arabic question
		// mark is of no script); a letter here would need shaping.
		return cov.has(r) && !unicode.IsLetter(r)
	}
	if cov.has(r) {
		return true
	}
	// Letters, marks and digits without a glyph would garble words.
	return !unicode.In(r, unicode.L, unicode.M, unicode.N)
}

func pdfTextOK(s string, cov *pdfGlyphs) bool {
	for _, r := range norm.NFC.String(s) {
		if !pdfRuneOK(r, cov) {
			return false
		}
	}
	return true
}

// pdfCheckScript returns ErrScript if any of the summary's strings holds
// a character the report cannot render.
func pdfCheckScript(s *Summary, cov *pdfGlyphs) error {
	if !pdfWalkStrings(reflect.ValueOf(s), func(t string) bool { return pdfTextOK(t, cov) }) {
		return ErrScript
	}
	return nil
}

// pdfWalkStrings calls fn on every string in v until fn returns false.
func pdfWalkStrings(v reflect.Value, fn func(string) bool) bool {
	switch v.Kind() {
	case reflect.String:
		return fn(v.String())
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || pdfWalkStrings(v.Elem(), fn)
	case reflect.Struct:
		for i := range v.NumField() {
			if !pdfWalkStrings(v.Field(i), fn) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if !pdfWalkStrings(v.Index(i), fn) {
				return false
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if !pdfWalkStrings(it.Key(), fn) || !pdfWalkStrings(it.Value(), fn) {
				return false
			}
		}
	}
	return true
}
