package app

import (
	"context"
	"errors"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Steps of a submission, named for fault injection in tests: a crash
// between any two of them leaves a state that the app's retry completes.
const (
	stepValidated  = "validated"
	stepCodeBurned = "code_burned"
	stepStored     = "stored"
)

// Submitted is the outcome of a submission: the response as stored, the
// definition of the revision it answered (for the receipt), and whether
// it was stored now (false: a retry of a stored submission, which gets the
// same receipt and is not counted twice).
type Submitted struct {
	Response *surveys.Response
	Def      *surveys.Definition
	Created  bool
}

// Revisions finds the definition of revision n of a survey; the API passes
// its cache. A revision that does not exist is a validation error of the
// submission's /revision.
type Revisions func(ctx context.Context, sv *surveys.Survey, n int) (*surveys.Definition, error)

// Submit stores one young person's answers to sv (as it stands now)
// exactly once, with nothing that identifies them: the envelope and the
// answers are checked against the revision they answered, free text is
// scrubbed, the access code (if the survey has them) is burned, and the
// response goes to group commit, which returns once it is durable.
//
// Errors: a *surveys.ValidationError (with a pointer per bad field),
// surveys.ErrNotFound (a draft), ErrSurveyNotOpen, ErrCodeUsed,
// ErrSubmissionConflict, an injected fault (tests); anything else is a failure of
// the database, and the app keeps the submission to send it again.
func (a *App) Submit(ctx context.Context, sv *surveys.Survey, sub *surveys.Submission, revision Revisions) (Submitted, error) {
	done, err := a.submit(ctx, sv, sub, revision)
	a.metrics.submission(done, err)
	return done, err
}

// submit is Submit, before its outcome is counted.
func (a *App) submit(ctx context.Context, sv *surveys.Survey, sub *surveys.Submission, revision Revisions) (Submitted, error) {
	now := a.now()
	if sv.Status == surveys.Draft {
		return Submitted{}, surveys.ErrNotFound
	}
	if !sv.Listed(now) {
		// A retry of a submission stored before the survey closed still
		// gets its receipt.
		if stored, err := a.store.Response(ctx, surveys.SubmissionKey(a.hashKey, sv.ID, sub.SubmissionID)); err == nil {
			if def, err := revision(ctx, sv, stored.Revision); err == nil {
				return Submitted{Response: stored, Def: def}, nil
			}
		}
		return Submitted{}, ErrSurveyNotOpen
	}
	if err := sub.CheckEnvelope(sv.Draft.AccessCodes); err != nil {
		return Submitted{}, err
	}
	def, err := revision(ctx, sv, sub.Revision)
	if err != nil {
		return Submitted{}, err
	}
	resp, err := surveys.NewResponse(a.hashKey, sv.ID, def, sub, now)
	if err != nil {
		return Submitted{}, err
	}
	if err := a.fault(stepValidated); err != nil {
		return Submitted{}, err
	}
	if sv.Draft.AccessCodes {
		if err := a.burn(ctx, sv, sub.AccessCode, resp.Key); err != nil {
			return Submitted{}, err
		}
	}
	out := Submitted{Response: resp, Def: def, Created: true}
	switch err := a.committer.Insert(ctx, resp, def); {
	case errors.Is(err, store.ErrDuplicate):
		stored, err := a.store.Response(ctx, resp.Key)
		if err != nil {
			return Submitted{}, err
		}
		if stored.Digest != resp.Digest {
			return Submitted{}, ErrSubmissionConflict
		}
		out.Created = false // a retry: the same receipt, nothing stored twice
	case err != nil:
		return Submitted{}, err
	}
	if err := a.fault(stepStored); err != nil {
		return Submitted{}, err
	}
	return out, nil
}

// burn marks an access code used by the submission whose key is given.
func (a *App) burn(ctx context.Context, sv *surveys.Survey, code, submission string) error {
	err := a.store.BurnAccessCode(ctx, sv.ID, surveys.AccessCodeKey(a.hashKey, sv.ID, code), submission)
	switch {
	case errors.Is(err, store.ErrCodeUnknown):
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/access_code", Code: surveys.CodeAccessCodeUnknown}}}
	case errors.Is(err, store.ErrCodeUsed):
		return ErrCodeUsed
	case err != nil:
		return err
	}
	// A close may have been saved between the check that the survey is
	// open and this burn, and have unlinked its codes before this one was
	// linked. If the survey is no longer open, the code is recorded for the
	// closer to unlink (store.WillUnlinkAccessCodes); a close saved after
	// this read unlinks it itself, since it unlinks after its save.
	status, err := a.store.SurveyStatus(ctx, sv.ID)
	if err != nil {
		return err
	}
	if status != surveys.Open {
		if err := a.store.WillUnlinkAccessCodes(ctx, sv.ID); err != nil {
			return err
		}
	}
	return a.fault(stepCodeBurned)
}

func (a *App) fault(step string) error {
	if a.faults == nil {
		return nil
	}
	if err := a.faults(step); err != nil {
		return injectedFault{err}
	}
	return nil
}
