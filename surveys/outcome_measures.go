package surveys

import (
	"math"
	"time"
)

// The measures of the loop (docs/consultations.md, "Measures"): whether
// an organisation tells young people what became of what they said, and
// how soon. Per consultation: the days from the end of taking part to the
// published outcome (or, while there is none, the days waited so far),
// and the shares of the proposals and recommendations that have a
// decision and that have a reason.

// LoopMeasures are one consultation's measures.
type LoopMeasures struct {
	// EndedAt is when taking part ended: the announced closing time once
	// it has passed, or the move to analysing or closed if earlier; nil
	// while young people can still take part.
	EndedAt *time.Time `json:"ended_at,omitempty"`
	// OutcomeAt is when the outcome was first published (nil: not yet).
	OutcomeAt *time.Time `json:"outcome_at,omitempty"`
	// DaysToOutcome: calendar days (UTC) from EndedAt to OutcomeAt.
	DaysToOutcome *int `json:"days_to_outcome,omitempty"`
	// DaysWaiting: calendar days from EndedAt to now, while there is no
	// outcome.
	DaysWaiting *int `json:"days_waiting,omitempty"`
	// Recommendations is how many proposals the outcome answers; Decided
	// how many have a decision (anything but still being considered),
	// WithReason how many give a reason; the shares are of
	// Recommendations (nil when there are none).
	Recommendations int      `json:"recommendations"`
	Decided         int      `json:"decided"`
	WithReason      int      `json:"with_reason"`
	DecidedShare    *float64 `json:"decided_share,omitempty"`
	ReasonShare     *float64 `json:"reason_share,omitempty"`
}

// EndedAt is when taking part in c ended (nil: not yet at now).
func (c *Consultation) EndedAt(now time.Time) *time.Time {
	var end *time.Time
	take := func(t *time.Time) {
		if t != nil && !t.After(now) && (end == nil || t.Before(*end)) {
			u := t.UTC()
			end = &u
		}
	}
	take(c.Definition.ClosesAt)
	take(c.AnalysingAt)
	take(c.ClosedAt)
	if c.State == ConsultationDraft {
		return nil
	}
	return end
}

// calendarDays counts UTC calendar days from a to b (0 on the same day;
// never below 0).
func calendarDays(a, b time.Time) int {
	da := time.Date(a.UTC().Year(), a.UTC().Month(), a.UTC().Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.UTC().Year(), b.UTC().Month(), b.UTC().Day(), 0, 0, 0, 0, time.UTC)
	return max(0, int(math.Round(db.Sub(da).Hours()/24)))
}

// Measure computes c's measures at now, with its outcome (nil: none).
func Measure(c *Consultation, o *Outcome, now time.Time) LoopMeasures {
	m := LoopMeasures{EndedAt: c.EndedAt(now)}
	if o != nil {
		at := o.PublishedAt.UTC()
		m.OutcomeAt = &at
		for _, d := range o.Current() {
			m.Recommendations++
			if d.Status.Decided() {
				m.Decided++
			}
			if hasText(d.Reason) {
				m.WithReason++
			}
		}
		if m.Recommendations > 0 {
			ds := Share(m.Decided, m.Recommendations)
			rs := Share(m.WithReason, m.Recommendations)
			m.DecidedShare, m.ReasonShare = &ds, &rs
		}
	}
	if m.EndedAt == nil {
		return m
	}
	if m.OutcomeAt != nil {
		d := calendarDays(*m.EndedAt, *m.OutcomeAt)
		m.DaysToOutcome = &d
	} else {
		d := calendarDays(*m.EndedAt, now)
		m.DaysWaiting = &d
	}
	return m
}

// Share is n of total as a fraction rounded to 3 decimals.
func Share(n, total int) float64 { return math.Round(1000*float64(n)/float64(total)) / 1000 }
