package app

import (
	"context"
	"errors"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// ErrAccessCodesOff: the survey does not use access codes.
var ErrAccessCodesOff = errors.New("app: the survey does not use access codes")

// IssueAccessCodes makes n new access codes for sv and returns them, to be
// shown this once: only their keyed hashes are stored, within perSurvey
// codes for the survey in all (surveys.MaxAccessCodesPerSurvey; tests use
// less), and no code is logged or audited. A count out of range, or past
// the survey's limit, is a *surveys.ValidationError at /count; a survey
// without access codes ErrAccessCodesOff; a closed or archived one
// surveys.ErrNotEditable. The API and the console both issue codes here.
func (a *App) IssueAccessCodes(ctx context.Context, sv *surveys.Survey, n, perSurvey int) ([]string, error) {
	if n < 1 || n > surveys.MaxAccessCodes {
		return nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/count", Code: surveys.CodeOutOfRange,
			Params: map[string]any{"Min": 1, "Max": surveys.MaxAccessCodes}}}}
	}
	if !sv.Draft.AccessCodes {
		return nil, ErrAccessCodesOff
	}
	if st := sv.StatusAt(a.now()); st == surveys.Closed || st == surveys.Archived {
		return nil, surveys.ErrNotEditable
	}
	codes := make([]string, n)
	keys := make([]string, n)
	for i := range codes {
		codes[i] = surveys.NewAccessCode()
		keys[i] = surveys.AccessCodeKey(a.hashKey, sv.ID, codes[i])
	}
	var limit *store.CodeLimitError
	switch err := a.store.AddAccessCodes(ctx, sv.ID, keys, perSurvey); {
	case errors.As(err, &limit):
		return nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/count", Code: surveys.CodeAccessCodeLimit,
			Params: map[string]any{"Max": perSurvey, "Left": limit.Left}}}}
	case err != nil:
		return nil, err
	}
	return codes, nil
}
