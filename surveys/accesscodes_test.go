package surveys_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// New access codes are well formed, distinct, and valid however they are
// typed back (lower case, spaces, no dash, I L O for 1 1 0).
func TestAccessCodes(t *testing.T) {
	format := regexp.MustCompile(`^[` + crockford + `]{5}-[` + crockford + `]{5}$`)
	seen := map[string]bool{}
	for range 200 {
		c := surveys.NewAccessCode()
		if !format.MatchString(c) || !surveys.ValidAccessCode(c) || seen[c] {
			t.Fatalf("code %q: well formed %v, valid %v, seen before %v", c, format.MatchString(c), surveys.ValidAccessCode(c), seen[c])
		}
		seen[c] = true
		typed := strings.ToLower(c[:3] + " " + strings.ReplaceAll(c[3:], "-", ""))
		typed = strings.NewReplacer("1", "l", "0", "o").Replace(typed)
		if surveys.NormalizeAccessCode(typed) != strings.ReplaceAll(c, "-", "") || !surveys.ValidAccessCode(typed) {
			t.Fatalf("%q typed as %q: normalized to %q", c, typed, surveys.NormalizeAccessCode(typed))
		}
	}
	for _, bad := range []string{"", "ABCDE", "ABCDE-FGHJK-M", "ABCDE-FGHJU", "ÅBCDE-FGHJK"} {
		if surveys.ValidAccessCode(bad) {
			t.Errorf("%q is valid", bad)
		}
	}
}

// The check symbol catches every single mistyped symbol, so a typo is
// told apart from a code already used.
func TestAccessCodeCheckSymbol(t *testing.T) {
	for range 20 {
		c := strings.ReplaceAll(surveys.NewAccessCode(), "-", "")
		for i := range len(c) {
			for _, s := range crockford {
				if byte(s) == c[i] {
					continue
				}
				typo := c[:i] + string(s) + c[i+1:]
				if surveys.ValidAccessCode(typo) {
					t.Fatalf("%q mistyped as %q is valid", c, typo)
				}
			}
		}
	}
}

// A code is stored under a keyed hash: the same for every way of typing
// it, different for another survey or server key, and not the code.
func TestAccessCodeKey(t *testing.T) {
	c := surveys.NewAccessCode()
	key := []byte("server key")
	k := surveys.AccessCodeKey(key, "s1", c)
	if k != surveys.AccessCodeKey(key, "s1", strings.ToLower(strings.ReplaceAll(c, "-", " "))) {
		t.Fatal("the key depends on how the code is typed")
	}
	if k == surveys.AccessCodeKey(key, "s2", c) || k == surveys.AccessCodeKey([]byte("other"), "s1", c) || strings.Contains(k, c[:5]) {
		t.Fatal("the key does not depend on the survey and the server key")
	}
}
