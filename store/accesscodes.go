package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Access codes are stored only as keyed hashes. A code is a document
// whose _id is its key; using it inserts a second document, "used:" + key,
// which holds (while the survey is open) the keyed hash of the submission
// that used it, so that a retry of that submission neither burns a second
// code nor is refused; when the survey closes, that link is removed.
// Every step is a lookup or an insert by _id, the one filter the embedded
// FerretDB does not answer by scanning, and the unique _id makes burning
// atomic.
type accessCodeDoc struct {
	ID       string `bson:"_id"` // surveys.AccessCodeKey, or "used:" + that key
	SurveyID string `bson:"survey_id"`
	Used     bool   `bson:"used,omitempty"`
	UsedBy   string `bson:"used_by,omitempty"`
}

const usedPrefix = "used:"

// Errors of burning a code.
var (
	ErrCodeUnknown = errors.New("store: unknown access code")
	ErrCodeUsed    = errors.New("store: access code used")
)

// A survey's codes are counted in a ledger, so that its limit is checked
// by lookups by _id rather than a scan (the embedded FerretDB scans every
// other filter). Entry k, "count:<survey>:<k>", holds the number of codes
// issued after it; an entry is added for every request. Entries are
// numbered consecutively and only inserted, never updated, because an
// insert under a unique _id is the one write that is atomic on FerretDB
// too (its conditional updates read the document and then replace it, so
// two concurrent "$inc where n <= x" both pass). Two requests that read
// the same last entry race for the next number and exactly one wins; the
// other reads the winner's entry and tries the number after it. The
// hint, "count:<survey>", remembers a recent last number, so that finding
// the end takes a lookup or two; it may lag, never lead. None of these
// documents has a survey_id field, so that counting a survey's codes by
// survey_id does not see them; code keys are base64, so no code's key
// starts with the prefix.
const codeCountPrefix = "count:"

type codeEntryDoc struct {
	ID    string `bson:"_id"`
	Total int    `bson:"total"`
}

type codeHintDoc struct {
	ID  string `bson:"_id"`
	Seq int    `bson:"seq"`
}

func codeEntryID(surveyID string, seq int) string {
	return codeCountPrefix + surveyID + ":" + strconv.Itoa(seq)
}

// CodeLimitError: the codes asked for would take the survey over its
// limit. Left is how many more it may have.
type CodeLimitError struct {
	Left int
}

func (e *CodeLimitError) Error() string {
	return fmt.Sprintf("store: access code limit reached (%d left)", e.Left)
}

// AddAccessCodes stores the keys of new codes, unless the survey would then
// have more than limit codes (a *CodeLimitError). The codes are counted
// against the limit before they are inserted, so that concurrent requests
// cannot exceed it together. Codes that fail to be inserted are given back
// when the failure says how many they are; otherwise they stay counted,
// which can only make the limit stricter, never looser.
func (s *Store) AddAccessCodes(ctx context.Context, surveyID string, keys []string, limit int) error {
	if err := s.countCodes(ctx, surveyID, len(keys), limit); err != nil {
		return err
	}
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = accessCodeDoc{ID: k, SurveyID: surveyID}
	}
	_, err := s.db.Collection(colAccessCodes).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil && len(bwe.WriteErrors) > 0 {
		_ = s.countCodes(context.WithoutCancel(ctx), surveyID, -len(bwe.WriteErrors), limit)
	}
	return s.fail("add access codes", err)
}

// countCodes adds n (negative: gives back) to the survey's count of codes,
// as a new ledger entry; a positive n only if the count stays within
// limit. A survey whose codes were made before the ledger existed is
// counted once, by a scan, in its first entry.
func (s *Store) countCodes(ctx context.Context, surveyID string, n, limit int) error {
	coll := s.col(colAccessCodes)
	seq, total, err := s.lastCodeEntry(ctx, surveyID)
	if err != nil {
		return err
	}
	if seq == 0 {
		existing, _, err := s.AccessCodeCounts(ctx, surveyID)
		if err != nil {
			return err
		}
		total = int(existing)
	}
	// Every lost race moves on by at least one entry, which another
	// request added: the bound is only against a misbehaving database.
	for range 10000 {
		if n > 0 && total+n > limit {
			return &CodeLimitError{Left: max(limit-total, 0)}
		}
		_, err := coll.InsertOne(ctx, codeEntryDoc{ID: codeEntryID(surveyID, seq+1), Total: total + n})
		if err == nil {
			// A hint that fails to move costs the next request a lookup.
			_, _ = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: codeCountPrefix + surveyID}},
				bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: seq + 1}}}}, options.UpdateOne().SetUpsert(true))
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return s.fail("count access codes", err)
		}
		var e codeEntryDoc
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: codeEntryID(surveyID, seq+1)}}).Decode(&e); err != nil {
			return s.fail("count access codes", err)
		}
		seq, total = seq+1, e.Total
	}
	return s.fail("count access codes", errors.New("too many concurrent requests"))
}

// lastCodeEntry finds the survey's last ledger entry, from the hint on:
// its number (0: none yet) and the count it holds.
func (s *Store) lastCodeEntry(ctx context.Context, surveyID string) (seq, total int, err error) {
	coll := s.col(colAccessCodes)
	var h codeHintDoc
	err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: codeCountPrefix + surveyID}}).Decode(&h)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, 0, s.fail("count access codes", err)
	}
	for next := max(h.Seq, 1); ; next++ {
		var e codeEntryDoc
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: codeEntryID(surveyID, next)}}).Decode(&e)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return seq, total, nil
		}
		if err != nil {
			return 0, 0, s.fail("count access codes", err)
		}
		seq, total = next, e.Total
	}
}

// BurnAccessCode marks a code used by submission (a keyed hash). Burning it
// again for the same submission succeeds, so that a retry goes through; for
// another submission it is ErrCodeUsed.
func (s *Store) BurnAccessCode(ctx context.Context, surveyID, codeKey, submission string) error {
	coll := s.col(colAccessCodes)
	var code accessCodeDoc
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: codeKey}}).Decode(&code)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments) || (err == nil && code.SurveyID != surveyID):
		return ErrCodeUnknown
	case err != nil:
		return s.fail("read access code", err)
	}
	_, err = coll.InsertOne(ctx, accessCodeDoc{ID: usedPrefix + codeKey, SurveyID: surveyID, Used: true, UsedBy: submission})
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return s.fail("burn access code", err)
	}
	var used accessCodeDoc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: usedPrefix + codeKey}}).Decode(&used); err != nil {
		return s.fail("read access code", err)
	}
	if used.UsedBy == submission {
		return nil // this submission's own retry
	}
	return ErrCodeUsed
}

// linkedCode matches the codes still linked to a submission. A used_by is a
// keyed hash, never empty: "greater than the empty string" is a range an
// index on used_by bounds to exactly those codes, where $exists would read
// the whole index (an ordinary index keeps a missing field as null).
var linkedCode = bson.E{Key: "used_by", Value: bson.D{{Key: "$gt", Value: ""}}}

// unlinkPrefix + a survey id names a record (in settings) that the
// survey's access codes are to be unlinked: written before the survey is
// saved closed (WillUnlinkAccessCodes), deleted once they are
// (UnlinkAccessCodes). A close cut short between the two leaves it, and
// the closer finishes the job from it (LinkedClosedSurveys) without
// reading the codes of every open survey.
const unlinkPrefix = "access_codes_unlink/"

// unlinkRecordsReady marks a database whose interrupted closes from before
// the records have been found (RecordInterruptedUnlinks).
const unlinkRecordsReady = "access_codes_unlink_records"

type unlinkDoc struct {
	ID       string    `bson:"_id"`
	SurveyID string    `bson:"survey_id"`
	At       time.Time `bson:"at"` // the database server's clock
}

// unlinkLease is how long a record may stand for a close that is still
// being saved (its survey still open): two operation timeouts. An older
// record of an open survey is of a close that failed, and is dropped.
func (s *Store) unlinkLease() time.Duration { return 2 * s.timeout }

// WillUnlinkAccessCodes records, before a survey with access codes is
// saved closed, that its codes are to be unlinked.
func (s *Store) WillUnlinkAccessCodes(ctx context.Context, surveyID string) error {
	_, err := s.col(colSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: unlinkPrefix + surveyID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "survey_id", Value: surveyID}, {Key: "at", Value: s.serverNow(ctx).UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return s.fail("record access codes to unlink", err)
	}
	return nil
}

// UnlinkAccessCodes forgets which submission used each code of a survey
// (done when it closes): afterwards nothing links a code to a response.
// Then it deletes the survey's record of codes to unlink.
func (s *Store) UnlinkAccessCodes(ctx context.Context, surveyID string) error {
	// Only used codes are linked (used is true on them, in the old format
	// where the code itself was marked too).
	_, err := s.col(colAccessCodes).UpdateMany(ctx,
		bson.D{{Key: "survey_id", Value: surveyID}, {Key: "used", Value: true}, linkedCode},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "used_by", Value: ""}}}})
	if err != nil {
		return s.fail("unlink access codes", err)
	}
	if _, err := s.col(colSettings).DeleteOne(ctx, bson.D{{Key: "_id", Value: unlinkPrefix + surveyID}}); err != nil {
		return s.fail("unlink access codes", err)
	}
	return nil
}

// AccessCodeCounts counts a survey's codes and how many are used.
func (s *Store) AccessCodeCounts(ctx context.Context, surveyID string) (total, used int64, err error) {
	coll := s.col(colAccessCodes)
	all, err := coll.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}})
	if err != nil {
		return 0, 0, s.fail("count access codes", err)
	}
	if used, err = coll.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}, {Key: "used", Value: true}}); err != nil {
		return 0, 0, s.fail("count access codes", err)
	}
	return all - used, used, nil
}

// maxUnlinkRecords bounds the records one LinkedClosedSurveys reads; the
// next call reads the rest.
const maxUnlinkRecords = 100

// LinkedClosedSurveys lists surveys that are no longer open but whose
// access codes are still linked to submissions (a close interrupted
// before UnlinkAccessCodes), so that the closer can finish the job. It
// reads the records of closes under way, never the codes: a record of a
// survey that is gone, or still open past the lease (its close was never
// saved), is deleted.
func (s *Store) LinkedClosedSurveys(ctx context.Context) ([]string, error) {
	cur, err := s.db.Collection(colSettings).Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: unlinkPrefix}, {Key: "$lt", Value: unlinkPrefix + "\U0010FFFF"}}}},
		options.Find().SetLimit(maxUnlinkRecords))
	if err != nil {
		return nil, s.fail("records of access codes to unlink", err)
	}
	var records []unlinkDoc
	if err := cur.All(ctx, &records); err != nil {
		return nil, s.fail("records of access codes to unlink", err)
	}
	var out []string
	for _, r := range records {
		sv, err := s.PublicSurvey(ctx, r.SurveyID)
		switch {
		case errors.Is(err, surveys.ErrNotFound):
		case err != nil:
			return out, err
		case sv.Status == surveys.Closed || sv.Status == surveys.Archived:
			out = append(out, r.SurveyID)
			continue
		case s.serverNow(ctx).Sub(r.At) < s.unlinkLease():
			continue // a close being saved now
		}
		filter := bson.D{{Key: "_id", Value: r.ID}, {Key: "at", Value: r.At}}
		if _, err := s.col(colSettings).DeleteOne(ctx, filter); err != nil {
			return out, s.fail("records of access codes to unlink", err)
		}
	}
	return out, nil
}

// RecordInterruptedUnlinks finds, once per database, the closed surveys
// whose codes a close cut short left linked before closes were recorded
// (WillUnlinkAccessCodes), and records them for the closer. It reads
// every linked code once; afterwards a setting says it is done.
func (s *Store) RecordInterruptedUnlinks(ctx context.Context) error {
	settings := s.db.Collection(colSettings)
	if err := settings.FindOne(ctx, bson.D{{Key: "_id", Value: unlinkRecordsReady}}).Err(); err == nil {
		return nil
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return s.fail("read settings", err)
	}
	// A $group rather than distinct: decoding distinct's answer fails now
	// and then on the embedded store ("error decoding key arr").
	cur, err := s.db.Collection(colAccessCodes).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{linkedCode}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$survey_id"}}}},
	})
	if err != nil {
		return s.fail("linked access codes", err)
	}
	var groups []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return s.fail("linked access codes", err)
	}
	for _, g := range groups {
		sv, err := s.PublicSurvey(ctx, g.ID)
		if err != nil {
			continue
		}
		if sv.Status == surveys.Closed || sv.Status == surveys.Archived {
			if err := s.WillUnlinkAccessCodes(ctx, g.ID); err != nil {
				return err
			}
		}
	}
	if _, err := s.col(colSettings).InsertOne(ctx, bson.D{{Key: "_id", Value: unlinkRecordsReady}}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return s.fail("write settings", err)
	}
	return nil
}
