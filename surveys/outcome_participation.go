package surveys

import (
	"slices"
	"strings"
)

// ParticipationLink says which breakdown questions of a linked survey are
// the age band and the region: the participation report counts the
// young people who took part in each survey by them, in released
// numbers. Either may be left out (a survey that does not ask it).
type ParticipationLink struct {
	Survey  string `json:"survey"`
	AgeBand string `json:"age_band,omitempty"`
	Region  string `json:"region,omitempty"`
}

// participation checks the links' shape: each names a linked survey, at
// most once, and question ids of the right form. Whether the questions
// are the survey's breakdown questions is the application's check (it
// needs the survey: CheckParticipation).
func (d *ConsultationDefinition) participation(p *problems) {
	if len(d.Participation) > MaxConsultationSurveys {
		p.add("/participation", CodeTooMany, map[string]any{"Max": MaxConsultationSurveys})
		return
	}
	seen := map[string]bool{}
	for i, l := range d.Participation {
		ptr := Pointer("participation", i)
		switch {
		case l.Survey == "":
			p.add(ptr+"/survey", CodeRequired, nil)
		case !slices.Contains(d.Surveys, l.Survey):
			p.add(ptr+"/survey", CodeNotLinked, nil)
		case seen[l.Survey]:
			p.add(ptr+"/survey", CodeDuplicate, nil)
		}
		seen[l.Survey] = true
		for _, f := range []struct{ name, id string }{{"age_band", l.AgeBand}, {"region", l.Region}} {
			if f.id != "" && !idPattern.MatchString(f.id) {
				p.add(ptr+"/"+f.name, CodeInvalidID, nil)
			}
		}
	}
}

// CheckParticipation checks a link against its survey's definition: each
// question named is one of its breakdown questions. ptr is the link's
// pointer.
func CheckParticipation(ptr string, l ParticipationLink, def *Definition) []FieldError {
	var out []FieldError
	for _, f := range []struct{ name, id string }{{"age_band", l.AgeBand}, {"region", l.Region}} {
		if f.id == "" {
			continue
		}
		q := def.Question(f.id)
		switch {
		case q == nil:
			out = append(out, FieldError{Pointer: ptr + "/" + f.name, Code: CodeUnknownQuestion})
		case !q.Breakdown:
			var ids []string
			for _, b := range def.Questions() {
				if b.Breakdown {
					ids = append(ids, b.ID)
				}
			}
			out = append(out, FieldError{Pointer: ptr + "/" + f.name, Code: CodeNotBreakdown,
				Params: map[string]any{"Question": f.id, "Breakdowns": strings.Join(ids, ", ")}})
		}
	}
	return out
}

// ParticipationOf is the link of survey id (empty when there is none).
func (d *ConsultationDefinition) ParticipationOf(id string) ParticipationLink {
	for _, l := range d.Participation {
		if l.Survey == id {
			return l
		}
	}
	return ParticipationLink{Survey: id}
}
