package surveys

import (
	"errors"
	"time"
)

// Status is where a survey is in its life.
type Status string

// The lifecycle: draft -> open (publish) -> closed -> archived.
const (
	Draft    Status = "draft"
	Open     Status = "open"
	Closed   Status = "closed"
	Archived Status = "archived"
)

// Lifecycle errors.
var (
	ErrNotDraft      = errors.New("survey is not a draft")
	ErrNotOpen       = errors.New("survey is not open")
	ErrNotClosed     = errors.New("survey is not closed")
	ErrNotEditable   = errors.New("survey can no longer be changed")
	ErrAlreadyClosed = errors.New("survey closes in the past")
)

// Survey is a survey with its state. Draft is the definition being edited;
// Revision is the number of the latest published revision (0 before the
// first publication). Published revisions are kept apart and never change.
type Survey struct {
	ID          string
	OrgID       string
	Status      Status
	Draft       Definition
	Revision    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	ClosedAt    *time.Time
	// Version increases with every change; updates are conditional on it.
	Version int
}

// Revision is a frozen, published definition.
type Revision struct {
	SurveyID    string
	Number      int
	Definition  Definition
	PublishedAt time.Time
}

// StatusAt is the survey's status at time now: an open survey whose window
// has ended is closed, whether or not the closer has recorded it yet.
func (s *Survey) StatusAt(now time.Time) Status {
	if s.Status == Open && s.Draft.ClosesAt != nil && !now.Before(*s.Draft.ClosesAt) {
		return Closed
	}
	return s.Status
}

// Listed reports whether the app lists the survey at time now: open and
// inside its window.
func (s *Survey) Listed(now time.Time) bool {
	if s.StatusAt(now) != Open {
		return false
	}
	return s.Draft.OpensAt == nil || !now.Before(*s.Draft.OpensAt)
}

// Publish checks that the draft is complete and opens the survey at
// revision 1. The caller stores the returned revision and the survey.
func (s *Survey) Publish(now time.Time) (Revision, error) {
	if s.Status != Draft {
		return Revision{}, ErrNotDraft
	}
	if err := s.Draft.Complete(); err != nil {
		return Revision{}, err
	}
	if s.Draft.ClosesAt != nil && !now.Before(*s.Draft.ClosesAt) {
		return Revision{}, ErrAlreadyClosed
	}
	s.Status = Open
	s.Revision = 1
	s.PublishedAt = &now
	s.UpdatedAt = now
	return Revision{SurveyID: s.ID, Number: 1, Definition: s.Draft, PublishedAt: now}, nil
}

// Update replaces the definition. A draft takes any structurally valid
// definition; an open survey takes only a complete one and gets a new
// revision, which the caller stores (old revisions stay readable, and
// responses keep the revision they answered). Closed and archived surveys
// cannot change.
func (s *Survey) Update(def Definition, now time.Time) (*Revision, error) {
	switch s.StatusAt(now) {
	case Draft:
		if err := def.Validate(); err != nil {
			return nil, err
		}
		s.Draft, s.UpdatedAt = def, now
		return nil, nil
	case Open:
		if err := def.Complete(); err != nil {
			return nil, err
		}
		s.Draft, s.UpdatedAt = def, now
		s.Revision++
		return &Revision{SurveyID: s.ID, Number: s.Revision, Definition: def, PublishedAt: now}, nil
	}
	return nil, ErrNotEditable
}

// Close ends an open survey.
func (s *Survey) Close(now time.Time) error {
	if s.StatusAt(now) != Open && s.Status != Open {
		return ErrNotOpen
	}
	s.Status = Closed
	s.ClosedAt = &now
	s.UpdatedAt = now
	return nil
}

// Archive puts a closed survey away.
func (s *Survey) Archive(now time.Time) error {
	if s.StatusAt(now) != Closed {
		return ErrNotClosed
	}
	if s.ClosedAt == nil && s.Draft.ClosesAt != nil {
		at := *s.Draft.ClosesAt // closed by its window, not yet recorded
		s.ClosedAt = &at
	}
	s.Status = Archived
	s.UpdatedAt = now
	return nil
}
