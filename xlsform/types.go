package xlsform

import (
	"sort"
	"strings"
)

// kind is what a survey row's type asks for.
type kind int

const (
	kUnknown kind = iota
	kSelectOne
	kSelectMultiple
	kRank
	kInteger
	kDecimal
	kRange
	kText
	kNote
	kBeginGroup
	kEndGroup
	kBeginRepeat
	kEndRepeat
	kMetadata
	kLocation
	kMedia
	kDate
	kCalculate
	kAcknowledge
	kExternal
	kIdentity
)

// kinds maps a type, lower-cased with its words joined by "_", to its kind.
var kinds = map[string]kind{
	"integer": kInteger, "int": kInteger, "decimal": kDecimal, "range": kRange,
	"text": kText, "string": kText, "note": kNote,
	"begin_group": kBeginGroup, "end_group": kEndGroup,
	"begin_repeat": kBeginRepeat, "end_repeat": kEndRepeat,
	"begin_loop": kBeginRepeat, "end_loop": kEndRepeat, "begin_looped_group": kBeginRepeat, "end_looped_group": kEndRepeat,
	// Metadata identify the respondent or the device: never collected.
	"start": kMetadata, "end": kMetadata, "today": kMetadata, "deviceid": kMetadata, "imei": kMetadata,
	"phonenumber": kMetadata, "username": kMetadata, "email": kMetadata, "audit": kMetadata,
	"simserial": kMetadata, "subscriberid": kMetadata, "start-geopoint": kMetadata, "uri:username": kMetadata,
	"uri:email": kMetadata, "uri:phonenumber": kMetadata, "uri:deviceid": kMetadata, "uri:subscriberid": kMetadata,
	"uri:simserial": kMetadata,
	// Questions asking who someone is: never asked.
	"phone_number": kIdentity, "phone": kIdentity, "email_address": kIdentity,
	"geopoint": kLocation, "geotrace": kLocation, "geoshape": kLocation, "gps": kLocation,
	"image": kMedia, "photo": kMedia, "audio": kMedia, "video": kMedia, "file": kMedia,
	"background-audio": kMedia, "barcode": kMedia, "signature": kMedia,
	"date": kDate, "time": kDate, "datetime": kDate, "datetime-local": kDate,
	"calculate": kCalculate, "hidden": kCalculate, "xml-external": kCalculate, "csv-external": kCalculate,
	"acknowledge": kAcknowledge, "trigger": kAcknowledge,
	"select_one_external": kExternal, "select_multiple_external": kExternal,
	"select_one_from_file": kExternal, "select_multiple_from_file": kExternal,
}

// selectPrefixes are the ways of writing a select, in lower case, longest
// first (pyxform's aliases): the list's name follows.
var selectPrefixes = func() []struct {
	prefix string
	k      kind
} {
	m := map[string]kind{
		"select_one": kSelectOne, "select1": kSelectOne, "select one": kSelectOne, "select one from": kSelectOne,
		"add select one prompt using": kSelectOne,
		"select_multiple":             kSelectMultiple, "select multiple": kSelectMultiple, "select all that apply": kSelectMultiple,
		"select all that apply from": kSelectMultiple, "add select multiple prompt using": kSelectMultiple,
		"rank":                 kRank,
		"select_one_from_file": kExternal, "select_multiple_from_file": kExternal, "select one from file": kExternal,
		"select multiple from file": kExternal, "select_one_external": kExternal, "select_multiple_external": kExternal,
	}
	var out []struct {
		prefix string
		k      kind
	}
	for p, k := range m {
		out = append(out, struct {
			prefix string
			k      kind
		}{p, k})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].prefix) != len(out[j].prefix) {
			return len(out[i].prefix) > len(out[j].prefix)
		}
		return out[i].prefix < out[j].prefix
	})
	return out
}()

// rowType is a survey row's type, read.
type rowType struct {
	k       kind
	name    string // the type as written, for messages
	list    string // a select's list name, as written (names are case-sensitive)
	orOther bool
	extra   bool // words after the list that mean nothing known
}

// parseType reads a type cell: "select_one yes_no", "select one from
// yes_no", "select_multiple colours or_other", "begin group", "integer".
func parseType(cell string) rowType {
	t := rowType{name: cell}
	words := strings.Fields(cell)
	if len(words) == 0 {
		return t
	}
	joined := strings.Join(words, " ")
	lower := strings.ToLower(joined)
	for _, p := range selectPrefixes {
		n := len(p.prefix)
		if len(joined) <= n || joined[n] != ' ' || !strings.EqualFold(joined[:n], p.prefix) {
			continue
		}
		rest := strings.Fields(joined[n:])
		t.k = p.k
		if len(rest) > 0 {
			t.list = rest[0]
		}
		switch {
		case len(rest) > 1 && strings.EqualFold(rest[1], "or_other"):
			t.orOther = true
			rest = rest[1:]
		case len(rest) == 4 && strings.EqualFold(strings.Join(rest[1:], " "), "or specify other"):
			// pyxform's older spelling of or_other.
			t.orOther = true
			rest = rest[3:]
		}
		t.extra = len(rest) > 1
		return t
	}
	if strings.HasPrefix(lower, "begin loop over ") || strings.HasPrefix(lower, "begin_loop over ") {
		t.k = kBeginRepeat
		return t
	}
	if k, ok := kinds[strings.ReplaceAll(lower, " ", "_")]; ok {
		t.k = k
		return t
	}
	if k, ok := kinds[lower]; ok {
		t.k = k
		return t
	}
	// A select written without its list ("select_one") is a select all
	// the same: the missing list is the problem.
	for _, p := range selectPrefixes {
		if lower == p.prefix {
			t.k = p.k
			return t
		}
	}
	return t
}

// refusal is the problem code of a kind that has no equivalent.
func refusal(k kind) (Code, bool) {
	switch k {
	case kLocation:
		return CodeTypeLocation, true
	case kIdentity:
		return CodeTypeIdentity, true
	case kMedia:
		return CodeTypeMedia, true
	case kDate:
		return CodeTypeDate, true
	case kCalculate:
		return CodeTypeCalculate, true
	case kAcknowledge:
		return CodeTypeAcknowledge, true
	case kExternal:
		return CodeExternalChoices, true
	case kBeginRepeat, kEndRepeat:
		return CodeTypeRepeat, true
	case kUnknown:
		return CodeUnsupportedType, true
	}
	return "", false
}
