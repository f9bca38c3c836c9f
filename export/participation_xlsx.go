package export

import (
	"errors"
	"io"
	"math"

	"github.com/xuri/excelize/v2"
)

// WriteParticipationXLSX writes the participation report as a workbook,
// streamed sheet by sheet with the summary workbook's styles: who took
// part (per survey: responses in the release, then by age band and by
// region, group by group), the findings (one row per cited number, the
// numbers as stored at publication), the decisions as they stand and the
// updates, and the timeline with the method note. Counts are numbers,
// percentages fractions shown as "0.0%"; a suppressed count or hidden
// group holds the marker. The sheets are right-to-left for a
// right-to-left language.
func WriteParticipationXLSX(w io.Writer, p *Participation) (err error) {
	if p == nil {
		return errors.New("export: no participation report")
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	st, err := newXLStyles(f)
	if err != nil {
		return err
	}
	l := &p.Labels
	x := &xlWriter{f: f, s: &Summary{Title: p.Title, Lang: p.Lang, Dir: p.Dir}, l: &Labels{Suppressed: l.Suppressed, Hidden: l.Hidden}, st: st}
	names, err := xlNamedSheets(f, p.Dir, [2]string{l.TakingPart, "Participation"}, [2]string{l.Findings, "Findings"}, [2]string{l.Decisions, "Decisions"}, [2]string{l.Timeline, "Timeline"})
	if err != nil {
		return err
	}
	px := participationXL{x: x, p: p, l: l}
	for i, write := range []func(string) error{px.takingPart, px.findings, px.decisions, px.timeline} {
		if err := write(names[i]); err != nil {
			return err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: p.Title, Language: p.Lang, Creator: "YouthVoice"}); err != nil {
		return err
	}
	return f.Write(w)
}

type participationXL struct {
	x *xlWriter
	p *Participation
	l *ParticipationLabels
}

func (px participationXL) title(t *xlStream, heading string) error {
	if err := t.next(excelize.Cell{StyleID: px.x.st.title, Value: px.p.Title}); err != nil {
		return err
	}
	if err := t.next(excelize.Cell{StyleID: px.x.st.header, Value: heading}); err != nil {
		return err
	}
	return t.next()
}

// takingPart: per survey, its responses in the release, then one row per
// group of the age band and of the region.
func (px participationXL) takingPart(sheet string) error {
	x, l := px.x, px.l
	t, err := x.stream(sheet, []float64{40, 40, 14}, nil)
	if err != nil {
		return err
	}
	if err := px.title(t, l.Report); err != nil {
		return err
	}
	for _, kv := range [][2]string{{l.Question, px.p.Question}, {l.DecisionMaker, px.p.DecisionMaker}, {l.State, px.p.State}} {
		if err := t.next(x.header(kv[0]), kv[1]); err != nil {
			return err
		}
	}
	if err := t.next(); err != nil {
		return err
	}
	if err := t.next(x.header(l.Survey), x.header(l.Group), x.header(l.Count), x.header(l.Released)); err != nil {
		return err
	}
	for _, s := range px.p.Surveys {
		if s.Withheld {
			if err := t.next(s.Title, x.text(l.NotReleased)); err != nil {
				return err
			}
			continue
		}
		if err := t.next(s.Title, l.Responses, excelize.Cell{StyleID: x.st.count, Value: s.Responses}, s.Released); err != nil {
			return err
		}
		for _, b := range []*ParticipationBreakdown{s.AgeBand, s.Region} {
			if b == nil {
				continue
			}
			for _, g := range b.Groups {
				var n any
				if g.Hidden {
					n = x.text(l.Hidden)
				} else {
					n, _ = x.count(g.Count)
				}
				if err := t.next(s.Title, b.Question+": "+g.Label, n); err != nil {
					return err
				}
			}
		}
	}
	return t.sw.Flush()
}

// findings: one row per cited number.
func (px participationXL) findings(sheet string) error {
	x, l := px.x, px.l
	t, err := x.stream(sheet, []float64{50, 30, 40, 20, 20, 10, 10, 10, 10, 12, 10}, nil)
	if err != nil {
		return err
	}
	if err := px.title(t, l.Findings); err != nil {
		return err
	}
	if len(px.p.Findings) == 0 {
		if err := t.next(x.text(l.NoOutcome)); err != nil {
			return err
		}
		return t.sw.Flush()
	}
	if err := t.next(x.header(l.Findings), x.header(l.Survey), x.header(l.SurveyQuestion), x.header(l.Group), x.header(l.Option),
		x.header(l.Count), x.header(l.Percent), x.header(l.Of), x.header(l.Mean), x.header(l.Released), x.header(l.Responses)); err != nil {
		return err
	}
	for _, fd := range px.p.Findings {
		for _, c := range fd.Cites {
			var pct, of, mean any
			if c.Pct != nil {
				pct = excelize.Cell{StyleID: x.st.pct, Value: math.Round(*c.Pct*10) / 1000}
			}
			if c.Of != nil {
				of = excelize.Cell{StyleID: x.st.count, Value: *c.Of}
			}
			if c.Mean != nil {
				mean = excelize.Cell{StyleID: x.st.stat, Value: *c.Mean}
			}
			if err := t.next(excelize.Cell{StyleID: x.st.wrap, Value: fd.Text}, c.Survey, c.Question, c.Group, c.Option,
				excelize.Cell{StyleID: x.st.count, Value: c.Count}, pct, of, mean, c.Released, c.N); err != nil {
				return err
			}
		}
	}
	return t.sw.Flush()
}

// decisions: each decision as it stands, then the updates.
func (px participationXL) decisions(sheet string) error {
	x, l := px.x, px.l
	t, err := x.stream(sheet, []float64{45, 18, 50, 30, 12, 40}, nil)
	if err != nil {
		return err
	}
	if err := px.title(t, l.Decisions); err != nil {
		return err
	}
	if len(px.p.Decisions) == 0 {
		if err := t.next(x.text(l.NoOutcome)); err != nil {
			return err
		}
		return t.sw.Flush()
	}
	if err := t.next(x.header(l.Proposal), x.header(l.Status), x.header(l.Reason), x.header(l.DecidedBy), x.header(l.DecidedOn), x.header(l.Next)); err != nil {
		return err
	}
	wrap := func(s string) excelize.Cell { return excelize.Cell{StyleID: x.st.wrap, Value: s} }
	for _, d := range px.p.Decisions {
		if err := t.next(wrap(d.Proposal), d.Status, wrap(d.Reason), d.DecidedBy, d.DecidedOn, wrap(d.Next)); err != nil {
			return err
		}
	}
	if len(px.p.Updates) > 0 {
		if err := t.next(); err != nil {
			return err
		}
		if err := t.next(x.header(l.Updates)); err != nil {
			return err
		}
		for _, u := range px.p.Updates {
			row := []any{u.Day, wrap(u.Text)}
			for _, ch := range u.Changes {
				row = append(row, ch)
			}
			if err := t.next(row...); err != nil {
				return err
			}
		}
	}
	return t.sw.Flush()
}

// timeline: the dates, then the method note.
func (px participationXL) timeline(sheet string) error {
	x, l := px.x, px.l
	t, err := x.stream(sheet, []float64{40, 14}, nil)
	if err != nil {
		return err
	}
	if err := px.title(t, l.Timeline); err != nil {
		return err
	}
	for _, e := range px.p.Timeline {
		if err := t.next(e.Label, e.Day); err != nil {
			return err
		}
	}
	if err := t.next(); err != nil {
		return err
	}
	if err := t.next(x.header(l.Method)); err != nil {
		return err
	}
	for _, n := range px.p.Notes {
		if err := t.next(excelize.Cell{StyleID: x.st.wrap, Value: n}); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}
