package surveys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// Role is what a token may do within its organisation.
type Role string

// Roles.
const (
	// Owner may do everything, tokens and sharing included.
	Owner Role = "owner"
	// Editor designs, publishes and closes surveys, sees results, exports.
	Editor Role = "editor"
	// Analyst reads summaries only, never response-level data.
	Analyst Role = "analyst"
)

// Roles lists every role.
var Roles = []Role{Owner, Editor, Analyst}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Owner || r == Editor || r == Analyst }

// ErrForbidden: the caller's role does not allow this.
var ErrForbidden = errors.New("forbidden")

// ErrUnauthorized: no valid token.
var ErrUnauthorized = errors.New("unauthorized")

// Org is an organisation that owns surveys.
type Org struct {
	ID        string
	Name      string
	CreatedAt time.Time
	// SupportResources are the defaults new surveys take, per country.
	SupportResources []SupportResource
}

// Token is an API token. Its secret is shown once, when it is made; only a
// hash of it is kept.
type Token struct {
	ID        string
	OrgID     string
	Role      Role
	Name      string
	Hash      string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// tokenPrefix makes YouthVoice tokens recognisable (for secret scanners).
const tokenPrefix = "yv_"

// NewTokenSecret makes a token secret: 32 random bytes, base64url.
func NewTokenSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how a token secret is stored and looked up. The secret has
// 256 bits of entropy, so one SHA-256 is enough (no password stretching is
// needed, unlike for passwords chosen by people).
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// DefaultSupport picks an organisation's default support resources for a
// new survey, keeping only the survey's languages in each text.
func DefaultSupport(defaults []SupportResource, langs []string) []SupportResource {
	var out []SupportResource
	for _, r := range defaults {
		c := r
		c.Name, c.Hours = onlyLanguages(r.Name, langs), onlyLanguages(r.Hours, langs)
		out = append(out, c)
	}
	return out
}

func onlyLanguages(t Text, langs []string) Text {
	if t == nil {
		return nil
	}
	// The survey's codes may not be canonical yet (its definition is
	// validated, and its codes made canonical, after this), nor the
	// organisation's: they are matched in their canonical forms.
	out := Text{}
	for _, l := range langs {
		l = CanonicalLanguage(l)
		if s, ok := t[l]; ok {
			out[l] = s
			continue
		}
		match := ""
		for k := range t {
			if CanonicalLanguage(k) == l && (match == "" || k < match) {
				match = k // the same key whatever the map's order
			}
		}
		if match != "" {
			out[l] = t[match]
		}
	}
	return out
}
