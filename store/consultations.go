package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// colConsultations holds the consultations. A consultation's outcome
// ("you said, we did") is not part of its document: it goes in a
// collection of its own keyed by the consultation's id
// (docs/consultations.md), and the consultation records only when it
// was last published (outcome_at).
const colConsultations = "consultations"

// consultationDoc is a consultation in the database. The definition is
// kept in its API JSON form, like a survey's; the fields the queries
// filter and sort on are at the top level.
type consultationDoc struct {
	ID          string     `bson:"_id"`
	OrgID       string     `bson:"org_id"`
	State       string     `bson:"state"`
	Definition  string     `bson:"definition"` // JSON
	CreatedAt   time.Time  `bson:"created_at"`
	UpdatedAt   time.Time  `bson:"updated_at"`
	OpenedAt    *time.Time `bson:"opened_at,omitempty"`
	AnalysingAt *time.Time `bson:"analysing_at,omitempty"`
	DecidedAt   *time.Time `bson:"decided_at,omitempty"`
	ClosedAt    *time.Time `bson:"closed_at,omitempty"`
	// PublicAt is absent for a draft, so the updates feed never sees one.
	PublicAt  *time.Time `bson:"public_at,omitempty"`
	OutcomeAt *time.Time `bson:"outcome_at,omitempty"`
	Version   int        `bson:"version"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func consultationToDoc(c *surveys.Consultation) (consultationDoc, error) {
	def, err := toJSON(c.Definition)
	if err != nil {
		return consultationDoc{}, err
	}
	return consultationDoc{
		ID: c.ID, OrgID: c.OrgID, State: string(c.State), Definition: def,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		OpenedAt: utcPtr(c.OpenedAt), AnalysingAt: utcPtr(c.AnalysingAt), DecidedAt: utcPtr(c.DecidedAt),
		ClosedAt: utcPtr(c.ClosedAt), PublicAt: utcPtr(c.PublicAt), OutcomeAt: utcPtr(c.OutcomeAt), Version: c.Version,
	}, nil
}

func consultationFromDoc(d consultationDoc) (*surveys.Consultation, error) {
	c := &surveys.Consultation{
		ID: d.ID, OrgID: d.OrgID, State: surveys.ConsultationState(d.State), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		OpenedAt: d.OpenedAt, AnalysingAt: d.AnalysingAt, DecidedAt: d.DecidedAt, ClosedAt: d.ClosedAt,
		PublicAt: d.PublicAt, OutcomeAt: d.OutcomeAt, Version: d.Version,
	}
	if err := fromJSON(d.Definition, &c.Definition); err != nil {
		return nil, err
	}
	return c, nil
}

// CreateConsultation stores a new consultation at version 1.
func (s *Store) CreateConsultation(ctx context.Context, c *surveys.Consultation) error {
	c.Version = 1
	doc, err := consultationToDoc(c)
	if err != nil {
		return err
	}
	if _, err := s.db.Collection(colConsultations).InsertOne(ctx, doc); err != nil {
		return s.fail("create consultation", err)
	}
	return nil
}

// Consultation reads a consultation of an organisation; another
// organisation's is not found, exactly like one that does not exist.
func (s *Store) Consultation(ctx context.Context, orgID, id string) (*surveys.Consultation, error) {
	return s.findConsultation(ctx, bson.D{{Key: "_id", Value: id}, {Key: "org_id", Value: orgID}})
}

// PublicConsultation reads a consultation whatever its organisation; the
// caller decides whether its state may be shown.
func (s *Store) PublicConsultation(ctx context.Context, id string) (*surveys.Consultation, error) {
	return s.findConsultation(ctx, bson.D{{Key: "_id", Value: id}})
}

func (s *Store) findConsultation(ctx context.Context, filter bson.D) (*surveys.Consultation, error) {
	var d consultationDoc
	err := s.db.Collection(colConsultations).FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, surveys.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read consultation", err)
	}
	return consultationFromDoc(d)
}

// SaveConsultation writes a changed consultation if nobody changed it
// since it was read (its Version), else returns surveys.ErrConflict. The
// write goes through s.col, which holds the document's lock on the
// embedded store, so the version check is atomic there too.
func (s *Store) SaveConsultation(ctx context.Context, c *surveys.Consultation) error {
	read := c.Version
	c.Version++
	doc, err := consultationToDoc(c)
	if err != nil {
		c.Version = read
		return err
	}
	res, err := s.col(colConsultations).ReplaceOne(ctx,
		bson.D{{Key: "_id", Value: c.ID}, {Key: "org_id", Value: c.OrgID}, {Key: "version", Value: read}}, doc)
	if err != nil {
		c.Version = read
		return s.fail("save consultation", err)
	}
	if res.MatchedCount == 0 {
		c.Version = read
		if _, err := s.Consultation(ctx, c.OrgID, c.ID); err != nil {
			return err // gone: not found
		}
		return surveys.ErrConflict
	}
	return nil
}

// ConsultationPage is where a page of an organisation's consultations
// starts: after the consultation (CreatedAt, ID) that ended the previous
// page (zero: from the newest).
type ConsultationPage struct {
	CreatedAt time.Time
	ID        string
}

// Consultations lists an organisation's consultations, newest first
// (then by id), in one state or (state empty) all, at most limit after
// the position of a previous page. Each read is bounded by limit and
// served by an index: first the rest of the previous page's last
// millisecond, then older ones.
func (s *Store) Consultations(ctx context.Context, orgID string, state surveys.ConsultationState, after ConsultationPage, limit int) ([]*surveys.Consultation, error) {
	if limit <= 0 {
		return nil, nil
	}
	base := bson.D{{Key: "org_id", Value: orgID}}
	if state != "" {
		base = append(base, bson.E{Key: "state", Value: string(state)})
	}
	var out []*surveys.Consultation
	read := func(filter, sort bson.D) error {
		page, err := s.findConsultations(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(limit-len(out))))
		out = append(out, page...)
		return err
	}
	newestFirst := bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}
	if after.CreatedAt.IsZero() {
		return out, read(base, newestFirst)
	}
	at := after.CreatedAt.UTC()
	same := append(slices.Clone(base), bson.E{Key: "created_at", Value: at}, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}})
	if err := read(same, bson.D{{Key: "_id", Value: 1}}); err != nil {
		return nil, err
	}
	if len(out) < limit {
		older := append(slices.Clone(base), bson.E{Key: "created_at", Value: bson.D{{Key: "$lt", Value: at}}})
		if err := read(older, newestFirst); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) findConsultations(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]*surveys.Consultation, error) {
	cur, err := s.db.Collection(colConsultations).Find(ctx, filter, opts)
	if err != nil {
		return nil, s.fail("list consultations", err)
	}
	var docs []consultationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("list consultations", err)
	}
	out := make([]*surveys.Consultation, 0, len(docs))
	for _, d := range docs {
		c, err := consultationFromDoc(d)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// listedStates are the states the app's list shows (surveys.ConsultationState.Listed).
var listedStates = bson.A{string(surveys.ConsultationOpen), string(surveys.ConsultationAnalysing), string(surveys.ConsultationDecided)}

// ListedConsultations lists the consultations the app's list shows (open,
// analysing, decided), newest publication first, then by id. known holds
// consultations read before (by id; nil: none): one whose version is
// unchanged is reused, so that the list, read again every few seconds,
// reads only ids and versions, and whole documents only of those that
// changed. The caller must not modify what it passes or gets.
func (s *Store) ListedConsultations(ctx context.Context, known map[string]*surveys.Consultation) ([]*surveys.Consultation, error) {
	listed := bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: listedStates}}}}
	cur, err := s.db.Collection(colConsultations).Find(ctx, listed,
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "version", Value: 1}}))
	if err != nil {
		return nil, s.fail("list consultations", err)
	}
	var heads []struct {
		ID      string `bson:"_id"`
		Version int    `bson:"version"`
	}
	if err := cur.All(ctx, &heads); err != nil {
		return nil, s.fail("list consultations", err)
	}
	out := make([]*surveys.Consultation, 0, len(heads))
	var changed []string
	for _, h := range heads {
		if c := known[h.ID]; c != nil && c.Version == h.Version {
			out = append(out, c)
		} else {
			changed = append(changed, h.ID)
		}
	}
	if len(changed) > 0 {
		fresh, err := s.findConsultations(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: changed}}}, listed[0]}, options.Find())
		if err != nil {
			return nil, err
		}
		out = append(out, fresh...)
	}
	slices.SortFunc(out, func(a, b *surveys.Consultation) int {
		if c := openedAt(b).Compare(openedAt(a)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func openedAt(c *surveys.Consultation) time.Time {
	if c.OpenedAt != nil {
		return *c.OpenedAt
	}
	return c.CreatedAt
}

// ConsultationUpdate is one entry of the app's updates feed: a public
// consultation whose public content changed at PublicAt.
type ConsultationUpdate struct {
	ID        string     `bson:"_id"`
	State     string     `bson:"state"`
	PublicAt  time.Time  `bson:"public_at"`
	OutcomeAt *time.Time `bson:"outcome_at,omitempty"`
}

// ConsultationUpdates lists the public consultations whose public content
// changed after the position (since, afterID): later than since, or at
// since with an id after afterID; oldest change first, then by id, at
// most limit. Drafts have no public_at and are never listed. Only ids,
// states and times are read.
func (s *Store) ConsultationUpdates(ctx context.Context, since time.Time, afterID string, limit int) ([]ConsultationUpdate, error) {
	if limit <= 0 {
		return nil, nil
	}
	coll := s.db.Collection(colConsultations)
	proj := bson.D{{Key: "_id", Value: 1}, {Key: "state", Value: 1}, {Key: "public_at", Value: 1}, {Key: "outcome_at", Value: 1}}
	var out []ConsultationUpdate
	read := func(filter, sort bson.D) error {
		cur, err := coll.Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(limit-len(out))).SetProjection(proj))
		if err != nil {
			return s.fail("read consultation updates", err)
		}
		var page []ConsultationUpdate
		if err := cur.All(ctx, &page); err != nil {
			return s.fail("read consultation updates", err)
		}
		out = append(out, page...)
		return nil
	}
	since = since.UTC()
	if afterID != "" {
		if err := read(bson.D{{Key: "public_at", Value: since}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}}},
			bson.D{{Key: "_id", Value: 1}}); err != nil {
			return nil, err
		}
	}
	if len(out) < limit {
		if err := read(bson.D{{Key: "public_at", Value: bson.D{{Key: "$gt", Value: since}}}},
			bson.D{{Key: "public_at", Value: 1}, {Key: "_id", Value: 1}}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
