package app

import (
	"context"
	"errors"
	"slices"

	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// The answer back: publishing a consultation's outcome and appending its
// updates (docs/consultations.md, "The answer back"). Each finding's
// numbers are read from the linked survey's current release through the
// same disclosure control as every other published number (Release with
// the caller's Protect); a number that is not released cannot be cited.
// The outcome is stored apart (store.CreateOutcome, keyed by the
// consultation's id) and the consultation notes when it last changed
// (surveys.Consultation.NoteOutcome), which the app's updates feed
// reports. Both steps are idempotent: a retry after a crash between them
// finds the outcome and notes it.

// Audit actions of outcomes; the detail is the consultation's id.
const (
	AuditOutcomePublish = "consultation_outcome"
	AuditOutcomeUpdate  = "consultation_outcome_update"
)

// NotAnswered labels, in a language, the group of those who did not
// answer a breakdown question (the API's "text.not_answered").
type NotAnswered func(lang string) string

// PublishOutcome publishes c's outcome: c's state must allow it
// (surveys.OutcomeAllowed, else *surveys.OutcomeStateError), it must have
// none yet (surveys.ErrOutcomePublished), the input must be complete and
// every citation must name a released, shown number (a
// *surveys.ValidationError names each that does not).
func (a *App) PublishOutcome(ctx context.Context, actor surveys.Token, c *surveys.Consultation, in *surveys.OutcomeInput, protect Protect, na NotAnswered) (*surveys.Outcome, error) {
	if !surveys.OutcomeAllowed(c.State) {
		return nil, &surveys.OutcomeStateError{State: c.State}
	}
	if err := in.Validate(&c.Definition); err != nil {
		return nil, err
	}
	if old, err := a.store.Outcome(ctx, c.ID); err == nil {
		// Published already: complete a note a crash may have missed.
		if err := a.noteOutcome(ctx, c, old); err != nil {
			return nil, err
		}
		return nil, surveys.ErrOutcomePublished
	} else if !errors.Is(err, surveys.ErrNotFound) {
		return nil, err
	}
	findings, err := a.resolveFindings(ctx, c, "/findings", in.Findings, protect, na)
	if err != nil {
		return nil, err
	}
	o := surveys.NewOutcome(c, in, findings, a.now().UTC())
	if err := o.CheckSize(); err != nil {
		return nil, err
	}
	if err := a.store.CreateOutcome(ctx, o); err != nil {
		return nil, err
	}
	if err := a.noteOutcome(ctx, c, o); err != nil {
		return nil, err
	}
	return o, a.auditConsultation(ctx, actor, AuditOutcomePublish, c)
}

// UpdateOutcome appends an update to c's published outcome
// (surveys.ErrNoOutcome when there is none), in a state that allows it;
// its new findings cite the current releases as a publication's do.
func (a *App) UpdateOutcome(ctx context.Context, actor surveys.Token, c *surveys.Consultation, in *surveys.OutcomeUpdateInput, protect Protect, na NotAnswered) (*surveys.Outcome, error) {
	if !surveys.OutcomeAllowed(c.State) {
		return nil, &surveys.OutcomeStateError{State: c.State}
	}
	o, err := a.store.Outcome(ctx, c.ID)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, surveys.ErrNoOutcome
	}
	if err != nil {
		return nil, err
	}
	if err := in.Validate(&c.Definition, o); err != nil {
		return nil, err
	}
	findings, err := a.resolveFindings(ctx, c, "/findings", in.Findings, protect, na)
	if err != nil {
		return nil, err
	}
	if len(findings) == 0 {
		findings = nil
	}
	if err := o.Append(in, findings, a.now().UTC()); err != nil {
		return nil, err
	}
	if err := o.CheckSize(); err != nil {
		return nil, err
	}
	if err := a.store.SaveOutcome(ctx, o); err != nil {
		return nil, err
	}
	if err := a.noteOutcome(ctx, c, o); err != nil {
		return nil, err
	}
	return o, a.auditConsultation(ctx, actor, AuditOutcomeUpdate, c)
}

// noteOutcome records on the consultation that its outcome last changed
// at o.LastAt(), unless it says so already. A concurrent change of the
// consultation (a version conflict) is read again and retried a few
// times.
func (a *App) noteOutcome(ctx context.Context, c *surveys.Consultation, o *surveys.Outcome) error {
	at := o.LastAt()
	for range 3 {
		if c.OutcomeAt != nil && !c.OutcomeAt.Before(at) {
			return nil
		}
		c.NoteOutcome(at)
		err := a.store.SaveConsultation(ctx, c)
		if !errors.Is(err, surveys.ErrConflict) {
			return err
		}
		fresh, err := a.store.Consultation(ctx, c.OrgID, c.ID)
		if err != nil {
			return err
		}
		*c = *fresh
	}
	return surveys.ErrConflict
}

// resolveFindings reads the current release of each survey the findings
// cite (once each, at most the consultation's linked surveys) and
// resolves the citations in every language of the consultation.
func (a *App) resolveFindings(ctx context.Context, c *surveys.Consultation, ptr string, in []surveys.FindingInput, protect Protect, na NotAnswered) ([]surveys.Finding, error) {
	releases := map[string]*surveys.ReleasedSurvey{}
	for _, f := range in {
		for _, ct := range f.Cites {
			if _, done := releases[ct.Survey]; done || !slices.Contains(c.Definition.Surveys, ct.Survey) {
				continue
			}
			rs, err := a.releasedSurvey(ctx, c.OrgID, ct.Survey, protect, na)
			if err != nil {
				return nil, err
			}
			releases[ct.Survey] = rs
		}
	}
	langs := append([]string{c.Definition.DefaultLanguage}, slices.DeleteFunc(slices.Clone(c.Definition.Languages),
		func(l string) bool { return l == c.Definition.DefaultLanguage })...)
	return surveys.ResolveFindings(ptr, in, releases, langs)
}

// releasedSurvey is a linked survey's current release, protected (nil
// when the survey no longer exists or has no release yet: nothing of it
// can be cited).
func (a *App) releasedSurvey(ctx context.Context, orgID, id string, protect Protect, na NotAnswered) (*surveys.ReleasedSurvey, error) {
	sv, err := a.store.Survey(ctx, orgID, id)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sv.Status == surveys.Draft {
		return nil, nil
	}
	rel, err := a.Release(ctx, sv, protect)
	if err != nil {
		return nil, err
	}
	if rel.N == 0 || rel.Day == "" {
		return nil, nil
	}
	return &surveys.ReleasedSurvey{
		Ref:       surveys.ReleaseRef{Survey: sv.ID, Revision: rel.Revision, Responses: rel.N, Day: rel.Day, Final: rel.Final},
		Title:     sv.Draft.Title,
		Protected: rel.Protected, NotAnswered: na,
	}, nil
}

// checkParticipation checks the consultation's participation links
// against their surveys: each named question is a breakdown question of
// the survey (at most MaxConsultationSurveys reads, each by _id).
func (a *App) checkParticipation(ctx context.Context, orgID string, def *surveys.ConsultationDefinition) ([]surveys.FieldError, error) {
	var bad []surveys.FieldError
	for i, l := range def.Participation {
		if i >= surveys.MaxConsultationSurveys || !slices.Contains(def.Surveys, l.Survey) {
			continue // the domain reported it
		}
		sv, err := a.store.Survey(ctx, orgID, l.Survey)
		if errors.Is(err, surveys.ErrNotFound) {
			continue // reported as an unknown survey
		}
		if err != nil {
			return nil, err
		}
		bad = append(bad, surveys.CheckParticipation(surveys.Pointer("participation", i), l, &sv.Draft)...)
	}
	return bad, nil
}

// ConsultationOutcome reads c's outcome (nil when none is published).
func (a *App) ConsultationOutcome(ctx context.Context, c *surveys.Consultation) (*surveys.Outcome, error) {
	if c.OutcomeAt == nil {
		return nil, nil
	}
	o, err := a.store.Outcome(ctx, c.ID)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, nil
	}
	return o, err
}

// MeasuredConsultation is one consultation's measures of the loop, with
// what names it.
type MeasuredConsultation struct {
	Consultation *surveys.Consultation
	OrgName      string
	// Shared: another organisation's, read through a share of one of its
	// surveys.
	Shared   bool
	Measures surveys.LoopMeasures
}

// Bounds of the measures' lists: a consultation document holds its
// information pages in every language (up to 20,000 characters each), so
// the reads are bounded in documents.
const (
	// MaxMeasured of the organisation's own consultations are read
	// (newest first).
	MaxMeasured = 200
	// MaxMeasuredShared other organisations' consultations are read, at
	// most, to find those that include a survey shared with the caller.
	MaxMeasuredShared = 200
)

// LoopMeasures lists the measures of the loop of orgID's consultations
// (every state but draft, the newest MaxMeasured) and of the public
// consultations of other organisations that include a survey shared with
// orgID (a ministry's view of which organisations close the loop; the
// newest of each organisation, MaxMeasuredShared read in all).
func (a *App) LoopMeasures(ctx context.Context, orgID string) ([]MeasuredConsultation, error) {
	now := a.now().UTC()
	own, err := a.orgConsultations(ctx, orgID, MaxMeasured)
	if err != nil {
		return nil, err
	}
	org, err := a.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []MeasuredConsultation
	for _, c := range own {
		out = append(out, MeasuredConsultation{Consultation: c, OrgName: org.Name})
	}
	shared, err := a.sharedConsultations(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out = append(out, shared...)
	ids := make([]string, len(out))
	for i, m := range out {
		ids[i] = m.Consultation.ID
	}
	outcomes, err := a.store.Outcomes(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Measures = surveys.Measure(out[i].Consultation, outcomes[out[i].Consultation.ID], now)
	}
	return out, nil
}

// orgConsultations reads an organisation's consultations, newest first,
// at most limit documents, and keeps those that are not drafts.
func (a *App) orgConsultations(ctx context.Context, orgID string, limit int) ([]*surveys.Consultation, error) {
	var out []*surveys.Consultation
	var after store.ConsultationPage
	for read := 0; read < limit; {
		n := min(100, limit-read)
		page, err := a.store.Consultations(ctx, orgID, "", after, n)
		if err != nil {
			return nil, err
		}
		read += len(page)
		for _, c := range page {
			if c.State != surveys.ConsultationDraft {
				out = append(out, c)
			}
		}
		if len(page) < n {
			break
		}
		last := page[len(page)-1]
		after = store.ConsultationPage{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return out, nil
}

// sharedConsultations are the public consultations of other
// organisations that include a survey shared with orgID, read
// organisation by organisation (in the order of their oldest share) until
// MaxMeasuredShared documents were read.
func (a *App) sharedConsultations(ctx context.Context, orgID string) ([]MeasuredConsultation, error) {
	shares, err := a.store.Shares(ctx, "", orgID)
	if err != nil {
		return nil, err
	}
	sharedSurveys := map[string]bool{}
	var owners []string
	for _, sh := range shares {
		sharedSurveys[sh.SurveyID] = true
		if sh.OwnerOrg != orgID && !slices.Contains(owners, sh.OwnerOrg) {
			owners = append(owners, sh.OwnerOrg)
		}
	}
	var out []MeasuredConsultation
	// Each organisation its share, so that one with many consultations
	// does not hide the others.
	budget, per := MaxMeasuredShared, max(1, MaxMeasuredShared/max(1, len(owners)))
	for _, owner := range owners {
		if budget <= 0 {
			break
		}
		org, err := a.store.Org(ctx, owner)
		if errors.Is(err, surveys.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		list, err := a.orgConsultations(ctx, owner, min(per, budget))
		if err != nil {
			return nil, err
		}
		budget -= per
		for _, c := range list {
			if slices.ContainsFunc(c.Definition.Surveys, func(id string) bool { return sharedSurveys[id] }) {
				out = append(out, MeasuredConsultation{Consultation: c, OrgName: org.Name, Shared: true})
			}
		}
	}
	return out, nil
}

// ConsultationReadable reports whether orgID may read consultation c of
// another organisation: c is public and includes a survey shared with
// orgID (a ministry reads the consultation that asked for the summaries
// it reads). At most MaxConsultationSurveys reads, each by _id.
func (a *App) ConsultationReadable(ctx context.Context, c *surveys.Consultation, orgID string) (bool, error) {
	if !c.State.Public() {
		return false, nil
	}
	for i, id := range c.Definition.Surveys {
		if i >= surveys.MaxConsultationSurveys {
			break
		}
		ok, err := a.store.SharedWith(ctx, id, orgID)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// ParticipationReport builds c's participation report in lang (one of
// its languages) with the words of uiLang: each linked survey's current
// release through protect (a survey not yet released, or gone, is shown
// as not released), the outcome as published and updated, the timeline.
func (a *App) ParticipationReport(ctx context.Context, c *surveys.Consultation, protect Protect, lang, uiLang string, cat *i18n.Catalog) (*export.Participation, error) {
	src := export.ParticipationSource{Consultation: c}
	for i, id := range c.Definition.Surveys {
		if i >= surveys.MaxConsultationSurveys {
			break
		}
		sv, err := a.store.Survey(ctx, c.OrgID, id)
		if errors.Is(err, surveys.ErrNotFound) {
			src.Releases = append(src.Releases, export.Release{SurveyID: id})
			continue
		}
		if err != nil {
			return nil, err
		}
		if sv.Status == surveys.Draft {
			src.Releases = append(src.Releases, export.Release{SurveyID: id, Def: &sv.Draft})
			continue
		}
		rel, err := a.Release(ctx, sv, protect)
		if err != nil {
			return nil, err
		}
		src.Releases = append(src.Releases, rel)
	}
	o, err := a.ConsultationOutcome(ctx, c)
	if err != nil {
		return nil, err
	}
	src.Outcome = o
	return export.BuildParticipation(src, lang, uiLang, cat), nil
}
