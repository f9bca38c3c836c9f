package surveys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Submission is what the app sends: one young person's answers to one
// revision of a survey. SubmissionID is a UUID the app makes once per
// filled-in survey and reuses on every retry.
type Submission struct {
	SubmissionID string                     `json:"submission_id"`
	Revision     int                        `json:"revision"`
	Lang         string                     `json:"lang"`
	Answers      map[string]json.RawMessage `json:"answers"`
	AccessCode   string                     `json:"access_code,omitempty"`
}

// Response is what is stored of a submission, and nothing else: no
// address, user agent, header, device id, time of day or access code.
type Response struct {
	// Key is a keyed hash of the submission id: it makes a retry find the
	// response it already stored, and cannot be turned back into the id.
	Key      string
	SurveyID string
	Revision int
	Lang     string
	// Day is the UTC day of submission, "2006-01-02"; never a time.
	Day     string
	Answers Answers
	// Digest is a hash of the content (revision, language, answers), to
	// tell a retry (same digest) from a reused id (different digest).
	Digest string
}

// Field codes of submission problems.
const (
	CodeUnknownRevision     Code = "unknown_revision"
	CodeUnsupportedLanguage Code = "unsupported_language"
	CodeAccessCodeRequired  Code = "access_code_required"
	CodeAccessCodeInvalid   Code = "access_code_invalid"
	CodeAccessCodeUnknown   Code = "access_code_unknown"
	CodeUnknownOrg          Code = "unknown_org"
	CodeUnsupportedFormat   Code = "unsupported_format"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CheckEnvelope checks the parts of a submission that do not depend on the
// revision's questions.
func (s *Submission) CheckEnvelope(accessCodes bool) error {
	var p problems
	if s.SubmissionID == "" {
		p.add("/submission_id", CodeRequired, nil)
	} else if !uuidPattern.MatchString(s.SubmissionID) {
		p.add("/submission_id", CodeInvalid, nil)
	}
	if s.Revision < 1 {
		p.add("/revision", CodeRequired, nil)
	}
	if s.Answers == nil {
		p.add("/answers", CodeRequired, nil)
	}
	switch {
	case accessCodes && s.AccessCode == "":
		p.add("/access_code", CodeAccessCodeRequired, nil)
	case accessCodes && !ValidAccessCode(s.AccessCode):
		p.add("/access_code", CodeAccessCodeInvalid, nil)
	case !accessCodes && s.AccessCode != "":
		p.add("/access_code", CodeNotApplicable, nil)
	}
	return p.err()
}

// NewResponse checks a submission against the revision it answers and
// makes the response to store. key is the server's secret for hashing
// submission ids.
func NewResponse(key []byte, surveyID string, def *Definition, sub *Submission, now time.Time) (*Response, error) {
	if sub.Lang == "" {
		sub.Lang = def.DefaultLanguage
	}
	sub.Lang = CanonicalLanguage(sub.Lang) // "SO" is the survey's "so"
	if !slices.Contains(def.Languages, sub.Lang) {
		return nil, &ValidationError{Errors: []FieldError{{Pointer: "/lang", Code: CodeUnsupportedLanguage}}}
	}
	answers, err := def.ParseAnswers(sub.Answers)
	if err != nil {
		return nil, err
	}
	r := &Response{
		Key:      SubmissionKey(key, surveyID, sub.SubmissionID),
		SurveyID: surveyID,
		Revision: sub.Revision,
		Lang:     sub.Lang,
		Day:      now.UTC().Format(time.DateOnly),
		Answers:  answers,
	}
	r.Digest = r.digest()
	return r, nil
}

// SubmissionKey is the keyed hash under which a submission is stored.
func SubmissionKey(key []byte, surveyID, submissionID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(surveyID))
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(submissionID)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// digest hashes the content of a response in a canonical form: each
// field written with its length, so that no two contents hash alike.
func (r *Response) digest() string {
	h := sha256.New()
	var buf []byte
	str := func(s string) {
		buf = strconv.AppendInt(buf[:0], int64(len(s)), 10)
		buf = append(buf, ':')
		h.Write(buf)
		h.Write([]byte(s))
	}
	num := func(n int) { str(strconv.Itoa(n)) }
	num(r.Revision)
	str(r.Lang)
	ids := make([]string, 0, len(r.Answers))
	for id := range r.Answers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := r.Answers[id]
		str(id)
		str(a.Choice)
		num(len(a.Choices))
		for _, c := range a.Choices {
			str(c)
		}
		str(a.Other)
		num(a.Point)
		str(strconv.FormatBool(a.DontKnow))
		str(strconv.FormatFloat(a.Number, 'g', -1, 64))
		str(a.Text)
		num(len(a.Order))
		for _, c := range a.Order {
			str(c)
		}
		rows := make([]string, 0, len(a.Rows))
		for code := range a.Rows {
			rows = append(rows, code)
		}
		slices.Sort(rows)
		num(len(rows))
		for _, code := range rows {
			str(code)
			num(a.Rows[code])
		}
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Receipt is what a young person gets back for a stored response. It is
// the same on every retry of the same submission.
type Receipt struct {
	SurveyID         string                     `json:"survey_id"`
	Revision         int                        `json:"revision"`
	Lang             string                     `json:"lang"`
	Dir              string                     `json:"dir"`
	ThankYou         string                     `json:"thank_you"`
	SupportResources []LocalizedSupportResource `json:"support_resources,omitempty"`
	ResultsURL       string                     `json:"results_url,omitempty"`
}

// NewReceipt makes the receipt of a response to def in lang.
func NewReceipt(surveyID string, rev int, def *Definition, lang, dir string) Receipt {
	r := Receipt{SurveyID: surveyID, Revision: rev, Lang: lang, Dir: dir, ThankYou: def.ThankYou.In(lang, def.DefaultLanguage)}
	if def.Sensitive {
		r.SupportResources = def.LocalizeSupport(lang)
	}
	if def.PublicResults {
		r.ResultsURL = "/v1/surveys/" + surveyID + "/results"
	}
	return r
}
