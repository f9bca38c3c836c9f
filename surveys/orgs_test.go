package surveys_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

func TestRoles(t *testing.T) {
	for _, r := range surveys.Roles {
		if !r.Valid() {
			t.Errorf("%s is not valid", r)
		}
	}
	for _, r := range []surveys.Role{"", "admin", "Owner"} {
		if r.Valid() {
			t.Errorf("%q is valid", r)
		}
	}
}

// Token secrets are recognisable and unique; they are looked up by a hash
// that ignores surrounding white space (a secret pasted with a newline).
func TestTokenSecrets(t *testing.T) {
	a, b := surveys.NewTokenSecret(), surveys.NewTokenSecret()
	if a == b || !strings.HasPrefix(a, "yv_") || len(a) != len("yv_")+43 {
		t.Fatalf("secrets %q, %q", a, b)
	}
	if surveys.HashToken(a) != surveys.HashToken(" "+a+"\n") || surveys.HashToken(a) == surveys.HashToken(b) || strings.Contains(surveys.HashToken(a), a[3:]) {
		t.Fatal("token hashes")
	}
}

// A new survey takes the organisation's support resources in its own
// languages only.
func TestDefaultSupport(t *testing.T) {
	defaults := []surveys.SupportResource{
		{Country: "SE", Name: surveys.Text{"sv": "Stödlinjen", "en": "Helpline", "fi": "Apu"}, Phone: "116 111", Hours: surveys.Text{"sv": "Alltid"}},
		{Country: "FI", Name: surveys.Text{"fi": "Apu"}, URL: "https://example.fi"},
	}
	got := surveys.DefaultSupport(defaults, []string{"sv", "en"})
	want := []surveys.SupportResource{
		{Country: "SE", Name: surveys.Text{"sv": "Stödlinjen", "en": "Helpline"}, Phone: "116 111", Hours: surveys.Text{"sv": "Alltid"}},
		{Country: "FI", Name: surveys.Text{}, URL: "https://example.fi"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v, want %+v", got, want)
	}
	if defaults[0].Name["fi"] != "Apu" {
		t.Fatal("the organisation's defaults changed")
	}
}
