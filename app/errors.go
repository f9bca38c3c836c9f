package app

import "errors"

// Domain errors of the workflows. The API maps each to its problem type in
// one place (api/problem.go); anything else a workflow returns is a
// failure of the database (store.Unavailable), which a retry may cure.
var (
	// ErrSurveyNotOpen: the survey does not take submissions now.
	ErrSurveyNotOpen = errors.New("app: survey not open")
	// ErrCodeUsed: the access code was used by another submission.
	ErrCodeUsed = errors.New("app: access code used")
	// ErrSubmissionConflict: a submission with this id was stored with
	// other answers.
	ErrSubmissionConflict = errors.New("app: submission id stored with other answers")
)

// injectedFault is the error of a test's fault hook (testhooks.go): a
// crash injected at a step of a submission.
type injectedFault struct{ Err error }

func (f injectedFault) Error() string { return "injected fault: " + f.Err.Error() }
func (f injectedFault) Unwrap() error { return f.Err }
