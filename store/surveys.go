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

// surveyDoc is a survey in the database. The definition is kept in its API
// JSON form; the fields the app's list filters on are copied to the top
// level so that the database can filter them.
type surveyDoc struct {
	ID          string     `bson:"_id"`
	OrgID       string     `bson:"org_id"`
	Status      string     `bson:"status"`
	Definition  string     `bson:"definition"` // JSON
	Revision    int        `bson:"revision"`
	CreatedAt   time.Time  `bson:"created_at"`
	UpdatedAt   time.Time  `bson:"updated_at"`
	PublishedAt *time.Time `bson:"published_at,omitempty"`
	ClosedAt    *time.Time `bson:"closed_at,omitempty"`
	Version     int        `bson:"version"`

	OpensAt  *time.Time `bson:"opens_at,omitempty"`
	ClosesAt *time.Time `bson:"closes_at,omitempty"`
}

type revisionDoc struct {
	ID          string    `bson:"_id"` // survey id + "/" + number
	SurveyID    string    `bson:"survey_id"`
	Number      int       `bson:"number"`
	Definition  string    `bson:"definition"` // JSON
	PublishedAt time.Time `bson:"published_at"`
}

func surveyToDoc(s *surveys.Survey) (surveyDoc, error) {
	def, err := toJSON(s.Draft)
	if err != nil {
		return surveyDoc{}, err
	}
	return surveyDoc{
		ID: s.ID, OrgID: s.OrgID, Status: string(s.Status), Definition: def, Revision: s.Revision,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, PublishedAt: s.PublishedAt, ClosedAt: s.ClosedAt,
		Version: s.Version, OpensAt: s.Draft.OpensAt, ClosesAt: s.Draft.ClosesAt,
	}, nil
}

func surveyFromDoc(d surveyDoc) (*surveys.Survey, error) {
	s := &surveys.Survey{
		ID: d.ID, OrgID: d.OrgID, Status: surveys.Status(d.Status), Revision: d.Revision,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, PublishedAt: d.PublishedAt, ClosedAt: d.ClosedAt, Version: d.Version,
	}
	if err := fromJSON(d.Definition, &s.Draft); err != nil {
		return nil, err
	}
	return s, nil
}

// CreateSurvey stores a new survey.
func (s *Store) CreateSurvey(ctx context.Context, sv *surveys.Survey) error {
	sv.Version = 1
	doc, err := surveyToDoc(sv)
	if err != nil {
		return err
	}
	if _, err := s.col(colSurveys).InsertOne(ctx, doc); err != nil {
		return s.fail("create survey", err)
	}
	return nil
}

// Survey reads a survey of an organisation; another organisation's survey
// is not found, exactly like one that does not exist.
func (s *Store) Survey(ctx context.Context, orgID, id string) (*surveys.Survey, error) {
	return s.findSurvey(ctx, bson.D{{Key: "_id", Value: id}, {Key: "org_id", Value: orgID}})
}

// PublicSurvey reads a survey for the app, whatever its organisation.
func (s *Store) PublicSurvey(ctx context.Context, id string) (*surveys.Survey, error) {
	return s.findSurvey(ctx, bson.D{{Key: "_id", Value: id}})
}

func (s *Store) findSurvey(ctx context.Context, filter bson.D) (*surveys.Survey, error) {
	var d surveyDoc
	err := s.db.Collection(colSurveys).FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, surveys.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read survey", err)
	}
	return surveyFromDoc(d)
}

// surveysNewestFirst orders surveys by creation, newest first; the id breaks ties
// so that the order is total (the index org_created_id gives it).
var surveysNewestFirst = bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}

// Surveys lists an organisation's surveys, newest first.
func (s *Store) Surveys(ctx context.Context, orgID string) ([]*surveys.Survey, error) {
	return s.findSurveys(ctx, bson.D{{Key: "org_id", Value: orgID}}, surveysNewestFirst)
}

// OpenSurveys lists the surveys whose status is open, newest first; the
// caller applies the window and audience. known holds surveys read before
// (a previous list, by id; nil: none): one whose version is unchanged is
// reused as it is, so that the app's list, read again every few seconds
// by every process, reads only the ids and versions of the open surveys,
// and whole documents (the definitions) only of those that changed. The
// caller must not modify the surveys it passes or gets, which the next
// list may share.
func (s *Store) OpenSurveys(ctx context.Context, known map[string]*surveys.Survey) ([]*surveys.Survey, error) {
	open := bson.D{{Key: "status", Value: string(surveys.Open)}}
	heads, err := s.openSurveyHeads(ctx, open)
	if err != nil {
		return nil, err
	}
	out := make([]*surveys.Survey, 0, len(heads))
	var changed []string
	for _, h := range heads {
		if sv := known[h.ID]; sv != nil && sv.Version == h.Version && sv.Status == surveys.Open {
			out = append(out, sv)
		} else {
			changed = append(changed, h.ID)
		}
	}
	if len(changed) > 0 {
		// Still open: a survey closed in between is left out, as a list
		// read a moment later would.
		fresh, err := s.findSurveys(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: changed}}}, open[0]}, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, fresh...)
	}
	slices.SortFunc(out, func(a, b *surveys.Survey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// surveyHead is what the app's list reads of every open survey each time.
type surveyHead struct {
	ID      string `bson:"_id"`
	Version int    `bson:"version"`
}

// openSurveyHeads reads the ids and versions of the open surveys. MongoDB
// answers from the index on status; FerretDB reads and converts every
// survey document, definitions included, to answer it (seconds at 1,000
// surveys). On the embedded store this process makes every write to the
// surveys (only one process may open it, lock.go; the CLI goes through
// the running server), so the heads read at one count of those writes
// stay true until the count moves: they are read again only then. The
// count is taken before the read, so a write that lands during the read
// moves it and the next call reads again.
func (s *Store) openSurveyHeads(ctx context.Context, open bson.D) ([]surveyHead, error) {
	count := s.surveysWritten.Load()
	if s.embedded != nil {
		s.openHeads.Lock()
		kept, ok := s.openHeads.heads, s.openHeads.read && s.openHeads.count == count
		s.openHeads.Unlock()
		if ok {
			return kept, nil
		}
	}
	cur, err := s.db.Collection(colSurveys).Find(ctx, open, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "version", Value: 1}}))
	if err != nil {
		return nil, s.fail("list surveys", err)
	}
	var heads []surveyHead
	if err := cur.All(ctx, &heads); err != nil {
		return nil, s.fail("list surveys", err)
	}
	s.openHeadReads.Add(1)
	if s.embedded != nil {
		s.openHeads.Lock()
		s.openHeads.read, s.openHeads.count, s.openHeads.heads = true, count, heads
		s.openHeads.Unlock()
	}
	return heads, nil
}

func (s *Store) findSurveys(ctx context.Context, filter, sort bson.D) ([]*surveys.Survey, error) {
	opts := options.Find()
	if sort != nil {
		opts.SetSort(sort)
	}
	cur, err := s.db.Collection(colSurveys).Find(ctx, filter, opts)
	if err != nil {
		return nil, s.fail("list surveys", err)
	}
	var docs []surveyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("list surveys", err)
	}
	out := make([]*surveys.Survey, 0, len(docs))
	for _, d := range docs {
		sv, err := surveyFromDoc(d)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, nil
}

// SaveSurvey writes a changed survey if nobody changed it since it was
// read (its Version), else returns surveys.ErrConflict. A new revision, if
// any, is written after the survey: a crash in between is repaired by
// Revision, because an open survey's definition is always its latest
// revision's.
func (s *Store) SaveSurvey(ctx context.Context, sv *surveys.Survey, rev *surveys.Revision) error {
	read := sv.Version
	sv.Version++
	doc, err := surveyToDoc(sv)
	if err != nil {
		return err
	}
	res, err := s.col(colSurveys).ReplaceOne(ctx,
		bson.D{{Key: "_id", Value: sv.ID}, {Key: "org_id", Value: sv.OrgID}, {Key: "version", Value: read}}, doc)
	if err != nil {
		sv.Version = read
		return s.fail("save survey", err)
	}
	if res.MatchedCount == 0 {
		sv.Version = read
		return surveys.ErrConflict
	}
	if rev != nil {
		return s.saveRevision(ctx, *rev)
	}
	return nil
}

func (s *Store) saveRevision(ctx context.Context, rev surveys.Revision) error {
	def, err := toJSON(rev.Definition)
	if err != nil {
		return err
	}
	doc := revisionDoc{ID: revisionID(rev.SurveyID, rev.Number), SurveyID: rev.SurveyID, Number: rev.Number, Definition: def, PublishedAt: rev.PublishedAt}
	_, err = s.col(colRevisions).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return s.fail("save revision", err)
	}
	return nil
}

func revisionID(surveyID string, n int) string {
	return surveyID + "/" + itoa(n)
}

// Revision reads published revision n of a survey.
func (s *Store) Revision(ctx context.Context, sv *surveys.Survey, n int) (*surveys.Revision, error) {
	if n < 1 || n > sv.Revision {
		return nil, surveys.ErrNotFound
	}
	var d revisionDoc
	err := s.db.Collection(colRevisions).FindOne(ctx, bson.D{{Key: "_id", Value: revisionID(sv.ID, n)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) && n == sv.Revision {
		// Written after the survey and lost in a crash: the survey holds it.
		rev := surveys.Revision{SurveyID: sv.ID, Number: n, Definition: sv.Draft, PublishedAt: sv.UpdatedAt}
		return &rev, s.saveRevision(ctx, rev)
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, surveys.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read revision", err)
	}
	rev := &surveys.Revision{SurveyID: d.SurveyID, Number: d.Number, PublishedAt: d.PublishedAt}
	if err := fromJSON(d.Definition, &rev.Definition); err != nil {
		return nil, err
	}
	return rev, nil
}

// DeleteDraft deletes a survey that was never published.
func (s *Store) DeleteDraft(ctx context.Context, orgID, id string) error {
	res, err := s.col(colSurveys).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "org_id", Value: orgID}, {Key: "status", Value: string(surveys.Draft)}})
	if err != nil {
		return s.fail("delete survey", err)
	}
	if res.DeletedCount == 0 {
		if _, err := s.Survey(ctx, orgID, id); err != nil {
			return err
		}
		return surveys.ErrNotDraft
	}
	return nil
}

// OverdueSurveys lists open surveys whose window has ended, the earliest
// end first (the order of the index status_closes).
func (s *Store) OverdueSurveys(ctx context.Context, now time.Time) ([]*surveys.Survey, error) {
	return s.findSurveys(ctx, bson.D{
		{Key: "status", Value: string(surveys.Open)},
		{Key: "closes_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}},
	}, bson.D{{Key: "closes_at", Value: 1}})
}
