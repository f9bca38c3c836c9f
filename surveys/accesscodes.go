package surveys

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Access codes give "one response per person" without identity: an editor
// prints N codes and hands them out; each can be used once. A code is 9
// random symbols of Crockford's base-32 alphabet (45 bits) and a check
// symbol (Luhn mod 32), written XXXXX-XXXXX. The check symbol catches
// every single mistyped symbol and most swapped neighbours, so a typo gets
// "check the code" rather than "already used".
const (
	codeAlphabet  = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeRandomLen = 9
	// MaxAccessCodes is how many codes one request may make: about a
	// second's work on the embedded store (0.7 to 1.5 s on a busy 2-core
	// machine), and an answer of 140 KB.
	MaxAccessCodes = 10000
	// MaxAccessCodesPerSurvey is how many codes a survey may have in all,
	// used or not: ten requests of the largest size, plenty for a
	// country-wide school survey, and a bound on what one editor can add
	// to the database.
	MaxAccessCodesPerSurvey = 100000
)

// CodeAccessCodeLimit: the codes asked for would take the survey over
// MaxAccessCodesPerSurvey; the message says how many more it may have
// (Params Max and Left).
const CodeAccessCodeLimit Code = "access_code_limit"

// NewAccessCode makes a random access code.
func NewAccessCode() string {
	b := make([]byte, codeRandomLen)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	syms := make([]byte, codeRandomLen)
	for i, x := range b {
		syms[i] = codeAlphabet[x&31]
	}
	code := string(syms) + string(codeAlphabet[luhnCheck(syms)])
	return code[:5] + "-" + code[5:]
}

// NormalizeAccessCode upper-cases a typed code, drops spaces and dashes
// and reads the look-alikes I, L as 1 and O as 0, as Crockford's base 32
// does.
func NormalizeAccessCode(s string) string {
	r := strings.NewReplacer("-", "", " ", "", "I", "1", "L", "1", "O", "0")
	return r.Replace(strings.ToUpper(strings.TrimSpace(s)))
}

// ValidAccessCode reports whether s is well formed with a correct check
// symbol.
func ValidAccessCode(s string) bool {
	n := NormalizeAccessCode(s)
	if len(n) != codeRandomLen+1 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if strings.IndexByte(codeAlphabet, n[i]) < 0 {
			return false
		}
	}
	return codeAlphabet[luhnCheck([]byte(n[:codeRandomLen]))] == n[codeRandomLen]
}

// luhnCheck computes the Luhn mod N check symbol over symbols.
func luhnCheck(syms []byte) int {
	const n = len(codeAlphabet)
	factor, sum := 2, 0
	for i := len(syms) - 1; i >= 0; i-- {
		v := strings.IndexByte(codeAlphabet, syms[i])
		add := factor * v
		add = add/n + add%n
		sum += add
		factor = 3 - factor
	}
	return (n - sum%n) % n
}

// AccessCodeKey is the keyed hash under which a code is stored: the codes
// themselves are shown once and never kept.
func AccessCodeKey(key []byte, surveyID, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("access-code\x00" + surveyID + "\x00" + NormalizeAccessCode(code)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
