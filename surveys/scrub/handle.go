package scrub

// User names on social platforms: "@handles", names with an underscore
// ("sanna_2009"), and names next to a platform name ("my snap is carla.m10").

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	handleRe         = regexp.MustCompile(`@[\p{L}\p{N}_](?:[\p{L}\p{N}_.]*[\p{L}\p{N}_])?(?:#[0-9]{4})?`)
	underscoreNameRe = regexp.MustCompile(`[\p{L}\p{N}_.]*_[\p{L}\p{N}_.]*(?:#[0-9]{4})?`)
)

// appendHandles finds @handles. An @ preceded by something that can end the
// local part of an e-mail address is left to the e-mail detector.
func appendHandles(spans [][2]int, text string) [][2]int {
	if !strings.Contains(text, "@") {
		return spans
	}
	for _, m := range handleRe.FindAllStringIndex(text, -1) {
		prev := runeBefore(text, m[0])
		if isAlnum(prev) || strings.ContainsRune("_.-+%", prev) {
			continue
		}
		if utf8.RuneCountInString(text[m[0]:m[1]]) < 3 {
			continue // "@a"
		}
		spans = append(spans, [2]int{m[0], m[1]})
	}
	return spans
}

// appendUnderscoreNames finds user names such as "sanna_2009" or
// "pablo_gamer#1234": ordinary prose in the supported languages never joins
// letters and digits with an underscore.
func appendUnderscoreNames(spans [][2]int, text string) [][2]int {
	if !strings.Contains(text, "_") {
		return spans
	}
	for _, m := range underscoreNameRe.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		for start < end && text[start] == '.' {
			start++
		}
		end = trimTrailing(text, start, end)
		tok := text[start:end]
		if !strings.ContainsFunc(tok, isAlnum) || utf8.RuneCountInString(tok) < 3 {
			continue
		}
		spans = append(spans, [2]int{start, end})
	}
	return spans
}

// User names next to a platform name: "my snap is carla.m10", "her discord
// is shadowcat#4821", "Lisää mut snapissa: venla_2008", "emma.lind on insta".
// platformPrefixes start a word that names a platform ("snapissa",
// "Snapchat-kayga", "instan"); platformWords must be the whole word ("ig"
// but not "igual"). "add me" works like a platform name.
var (
	platformPrefixes = []string{"snap", "snäp", "insta", "tiktok", "discord", "telegram", "roblox", "steam",
		"xbox", "twitch", "twitter", "yubo", "bereal", "username", "användarnamn", "gamertag", "usuario",
		"käyttäjä", "снеп", "снап", "інста", "инста", "телеграм", "тікток", "тикток", "додай",
		"agrega", "agrégame", "añade", "añádeme",
		"سناب", "انستا", "انستغرام", "انستقرام", "تلغرام", "تيليجرام"}
	platformWords = setOf("ig", "tg", "kik", "psn", "tik", "user", "тик", "нік", "ник", "تيك",
		"add", "adda", "addaa") // "add me lisa.k2009"
)

// platformFirst maps the first letter (lower case) of each platform name to
// the prefixes that start with it, so most words need a single map lookup.
var platformFirst = func() map[rune][]string {
	m := map[rune][]string{}
	for _, p := range platformPrefixes {
		r, _ := utf8.DecodeRuneInString(p)
		m[r] = append(m[r], p)
	}
	for w := range platformWords {
		r, _ := utf8.DecodeRuneInString(w)
		if _, ok := m[r]; !ok {
			m[r] = nil
		}
	}
	return m
}()

func isPlatformWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	prefixes, ok := platformFirst[unicode.ToLower(r)]
	if !ok {
		return false
	}
	if len(w) <= 6 && platformWords[strings.ToLower(w)] {
		return true
	}
	for _, p := range prefixes {
		if len(w) >= len(p) && strings.EqualFold(w[:len(p)], p) {
			return true
		}
	}
	return false
}

var userTokenRe = regexp.MustCompile(`^[\p{L}\p{N}_.#-]+`)

var unitSuffixRe = regexp.MustCompile(`^[0-9]+(?:[.,][0-9]+)?\p{L}{1,5}$`)

func appendPlatformNames(spans [][2]int, text string) [][2]int {
	for ws := 0; ws < len(text); {
		r, size := utf8.DecodeRuneInString(text[ws:])
		if !unicode.IsLetter(r) {
			ws += size
			continue
		}
		we := ws + size
		for we < len(text) {
			r, size = utf8.DecodeRuneInString(text[we:])
			if !unicode.IsLetter(r) {
				break
			}
			we += size
		}
		word := text[ws:we]
		wordStart := ws
		ws = we
		if !isPlatformWord(word) {
			continue
		}
		spans = appendPlatformName(spans, text, wordStart, we)
	}
	return spans
}

// appendPlatformName looks for a user name next to the platform name at
// text[start:end]: "emma.lind on insta", "my snap is carla.m10".
func appendPlatformName(spans [][2]int, text string, start, end int) [][2]int {
	if s, e, ok := userNameBefore(text, start); ok {
		spans = append(spans, [2]int{s, e})
	}
	i := end
	// Compounds: "Snapchat-kayga".
	for n := 0; n < 16 && i < len(text); n++ {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && r != '-' {
			break
		}
		i += size
	}
	// Up to three short filler words ("is", "är", "on", "es", "waa") before
	// the name.
	for words := 0; words < 4; words++ {
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) && !strings.ContainsRune(":=-–—", r) {
				break
			}
			i += size
		}
		loc := userTokenRe.FindStringIndex(text[i:])
		if loc == nil {
			break
		}
		te := trimTrailing(text, i, i+loc[1])
		tok := text[i:te]
		if looksLikeUserName(tok) {
			return append(spans, [2]int{i, te})
		}
		if utf8.RuneCountInString(tok) > 6 {
			break
		}
		i += loc[1]
	}
	return spans
}

// looksLikeUserName accepts tokens that mix letters with digits, an
// underscore, an inner dot or a "#1234" tag, and rejects ordinary words,
// numbers and quantities with units ("10min", "5h").
func looksLikeUserName(tok string) bool {
	n := utf8.RuneCountInString(tok)
	if n < 3 || n > 40 {
		return false
	}
	if !strings.ContainsFunc(tok, unicode.IsLetter) {
		return false
	}
	if unitSuffixRe.MatchString(tok) {
		return false
	}
	if strings.ContainsAny(tok, "_#") || strings.ContainsFunc(tok, unicode.IsDigit) {
		return true
	}
	if i := strings.IndexByte(tok, '.'); i > 0 && i < len(tok)-1 {
		return !isAbbreviation(tok)
	}
	return false
}

// isAbbreviation recognises dotted abbreviations such as "t.ex", "bl.a",
// "e.g" and "p.g.a": every part has at most two letters.
func isAbbreviation(tok string) bool {
	for part := range strings.SplitSeq(tok, ".") {
		if utf8.RuneCountInString(part) > 2 {
			return false
		}
	}
	return true
}

// userNameBefore finds a user name written before the platform name that
// starts at i: "emma.lind on insta", "wilma.s på snap".
func userNameBefore(text string, i int) (int, int, bool) {
	for words := 0; words < 2; words++ {
		j := i
		for j > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:j])
			if !unicode.IsSpace(r) && !strings.ContainsRune(",:-–—", r) {
				break
			}
			j -= size
		}
		k := j
		for k > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:k])
			if !isAlnum(r) && !strings.ContainsRune("_.#", r) {
				break
			}
			k -= size
		}
		if k == j || runeBefore(text, k) == '@' {
			return 0, 0, false
		}
		start := k
		for start < j && text[start] == '.' {
			start++
		}
		end := trimTrailing(text, start, j)
		if tok := text[start:end]; looksLikeUserName(tok) {
			return start, end, true
		} else if utf8.RuneCountInString(tok) > 3 {
			return 0, 0, false
		}
		i = k // skip a short word such as "on", "på", "en", "i"
	}
	return 0, 0, false
}
