package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection names.
const (
	colSettings    = "settings"
	colOrgs        = "orgs"
	colTokens      = "tokens"
	colSurveys     = "surveys"
	colRevisions   = "revisions"
	colResponses   = "responses"
	colAccessCodes = "access_codes"
)

// index is one index the application relies on.
type index struct {
	collection string
	keys       bson.D
	unique     bool
	name       string
}

// indexes lists every index the store's queries use. The embedded FerretDB
// uses none but _id (it scans for every other filter), so a missing index
// shows only on MongoDB, as a collection scan under load: the query check
// (querycheck.go) matches every query the tests issue against this list
// and fails the run for one it does not serve. Each entry names the
// queries it serves. Keys are in MongoDB's order: equality fields, then the
// sort, then ranges.
var indexes = append([]index{
	// TokenBySecret.
	{colTokens, bson.D{{Key: "hash", Value: 1}}, true, "hash"},
	// Tokens (an organisation's, oldest first).
	{colTokens, bson.D{{Key: "org_id", Value: 1}, {Key: "created_at", Value: 1}}, false, "org_created"},
	// liveOwnerTokens (the last-owner check).
	{colTokens, bson.D{{Key: "org_id", Value: 1}, {Key: "role", Value: 1}, {Key: "revoked_at", Value: 1}}, false, "org_role_revoked"},
	// Surveys: an organisation's, newest first (the id breaks ties, so
	// the order is total and the index gives it without sorting).
	{colSurveys, bson.D{{Key: "org_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}, false, "org_created_id"},
	// OpenSurveys (status) and OverdueSurveys (status, closes_at before
	// now, by closes_at).
	{colSurveys, bson.D{{Key: "status", Value: 1}, {Key: "closes_at", Value: 1}}, false, "status_closes"},
	// No query: the unique pair is what a revision is (its _id says it too).
	{colRevisions, bson.D{{Key: "survey_id", Value: 1}, {Key: "number", Value: 1}}, true, "survey_number"},
	// CountResponses, Recount, RebuildPages.
	{colResponses, bson.D{{Key: "survey_id", Value: 1}}, false, "survey"},
	// AccessCodeCounts (a survey's codes, and its used ones) and
	// UnlinkAccessCodes (its used codes still linked to a submission).
	{colAccessCodes, bson.D{{Key: "survey_id", Value: 1}, {Key: "used", Value: 1}, {Key: "used_by", Value: 1}}, false, "survey_used_by"},
	// RecordInterruptedUnlinks (once per database): the surveys with codes
	// still linked (only the used codes of open surveys, and of closes cut
	// short, have used_by).
	{colAccessCodes, bson.D{{Key: "used_by", Value: 1}, {Key: "survey_id", Value: 1}}, false, "used_by"},
	// Recovery: the batches queued longer ago than the lease.
	{colQueue, bson.D{{Key: "created_at", Value: 1}}, false, "created"},
	// AuditLog: an organisation's entries, newest first, paged.
	{colAudit, bson.D{{Key: "org_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: 1}}, false, "org_at_id"},
	// Shares of a survey, and shares with an organisation, oldest first.
	{colShares, bson.D{{Key: "survey_id", Value: 1}, {Key: "created_at", Value: 1}}, false, "survey_created"},
	{colShares, bson.D{{Key: "shared_with", Value: 1}, {Key: "created_at", Value: 1}}, false, "recipient_created"},
	// DeleteEndedSessions: the console's sessions that ended (no TTL
	// index on FerretDB: the sweep deletes them).
	{colSessions, bson.D{{Key: "ends_at", Value: 1}}, false, "ends"},
	// Consultations (an organisation's, newest first, in one state or
	// all, paged), ListedConsultations (the app's list: state $in) and
	// ConsultationUpdates (the app's updates feed: public_at after a
	// moment, oldest first).
	{colConsultations, bson.D{{Key: "org_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}, false, "org_created_id"},
	{colConsultations, bson.D{{Key: "org_id", Value: 1}, {Key: "state", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}, false, "org_state_created_id"},
	{colConsultations, bson.D{{Key: "state", Value: 1}}, false, "state"},
	{colConsultations, bson.D{{Key: "public_at", Value: 1}, {Key: "_id", Value: 1}}, false, "public_id"},
}, pageIndexes()...)

// pageIndexes are the indexes of every page format's collection (the
// current one's is colPages; each format has its own, pages.go):
// PagedResponses, Responses, RebuildPages.
func pageIndexes() []index {
	var out []index
	for _, f := range pageFormats {
		out = append(out, index{f.coll, bson.D{{Key: "survey_id", Value: 1}}, false, "survey"})
	}
	return out
}

// retiredIndexes were created by earlier versions and are covered by
// indexes above (each is a prefix of one, or serves a query no longer
// made): they are dropped at start-up, but only if they still have the
// keys this code made them with, so that an operator's own index of the
// same name is never touched.
var retiredIndexes = []index{
	{colTokens, bson.D{{Key: "org_id", Value: 1}}, false, "org"},
	{colSurveys, bson.D{{Key: "org_id", Value: 1}, {Key: "created_at", Value: -1}}, false, "org_created"},
	{colSurveys, bson.D{{Key: "status", Value: 1}}, false, "status"},
	{colAccessCodes, bson.D{{Key: "survey_id", Value: 1}}, false, "survey"},
}

// deliberateScan is a query that no index serves, made on purpose: the query check
// accepts it from the named store function only (from: its name as in a
// stack trace without the package path, closures included), so that a new
// scan anywhere else is still caught.
type deliberateScan struct {
	collection string // "*": any collection
	from       string
	reason     string
}

// deliberateScans lists every query that reads a whole collection, and
// why that is right.
var deliberateScans = []deliberateScan{
	{colReadiness, "store.(*Store).CheckWritable",
		"the readiness collection holds only the probes in flight (and any a crash left): removing them all reads almost nothing"},
	{colQueue, "store.(*Store).queuedBatches",
		"the tally queue holds only batches not yet applied (a few per process), and the summarizer needs them all"},
	{colQueue, "store.(*Summarizer).recover",
		"at start (lease 0) every queued batch is recovered; the queue is small (batches leave it once applied)"},
	{colQueue, "store.(*Store).queuedTags",
		"the responses of queued batches are not in pages yet: the queue is small (batches leave it once applied)"},
	{colQueue, "store.(*Store).QueueLength",
		"counts the batches waiting (a few; more means summaries lag)"},
	{colPages, "store.(*Store).convertPages",
		"a new page format converts every page of the one before it, once (settings record that it ran)"},
	{colResponses, "store.(*Store).copyIntoPages",
		"the one-time copy of every stored response into pages (an upgrade; settings record that it ran)"},
	{colPages, "store.(*Store).copyIntoPages",
		"the one-time copy into pages starts by removing any pages an interrupted copy left"},
	{colSummaries, "store.(*Summarizer).upgradeTallies",
		"the one-time upgrade of summaries to record keys reads every summary's tally once per database (settings record that it ran)"},
	{colOrgs, "store.(*Store).Bootstrap",
		"at start, whether any organisation exists (the default one is made only in an empty database)"},
	{colOrgs, "store.(*Store).Orgs",
		"the command line's org list: every organisation (tens per installation), at most MaxOrgs"},
	{"*", "store.(*Store).RawDocuments",
		"tests and audits read a collection exactly as stored"},
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	if err := checkedTestBinary(); err != nil {
		return err
	}
	noteOpened()
	for _, ix := range indexes {
		m := mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name)}
		if ix.unique {
			m.Options.SetUnique(true)
		}
		_, err := s.db.Collection(ix.collection).Indexes().CreateOne(ctx, m)
		if err == nil {
			continue
		}
		var ce mongo.CommandError
		if !errors.As(err, &ce) || (ce.Code != codeIndexOptionsConflict && ce.Code != codeIndexKeySpecsConflict) {
			return s.fail("create index "+ix.collection+"."+ix.name, err)
		}
		// An index with these keys exists under another name (an operator
		// made it), or another index has this name: an equivalent one
		// (same keys, same uniqueness) serves as well as ours.
		if err := s.equivalentIndex(ctx, ix); err != nil {
			return err
		}
	}
	return s.dropRetiredIndexes(ctx)
}

// Server error codes of creating an index that clashes with an existing one.
const (
	codeIndexOptionsConflict  = 85 // same keys, another name or options
	codeIndexKeySpecsConflict = 86 // same name, other keys
)

// equivalentIndex accepts an existing index with ix's keys and uniqueness,
// whatever its name, or explains what stands in the way.
func (s *Store) equivalentIndex(ctx context.Context, ix index) error {
	specs, err := s.db.Collection(ix.collection).Indexes().ListSpecifications(ctx)
	if err != nil {
		return s.fail("list indexes of "+ix.collection, err)
	}
	var clash []string
	for _, sp := range specs {
		same := sameIndexKeys(sp.KeysDocument, ix.keys)
		unique := sp.Unique != nil && *sp.Unique
		if same && unique == ix.unique {
			return nil
		}
		if same || sp.Name == ix.name {
			clash = append(clash, fmt.Sprintf("%q on %s (unique: %t)", sp.Name, sp.KeysDocument, unique))
		}
	}
	return fmt.Errorf("store: cannot create index %q on %s.%s (unique: %t): it clashes with the existing index %s; "+
		"drop or rename that index, or make it match (same keys and uniqueness)",
		ix.name, ix.collection, indexKeysString(ix.keys), ix.unique, strings.Join(clash, ", "))
}

// dropRetiredIndexes removes the indexes of earlier versions that no
// query needs any more (see retiredIndexes).
func (s *Store) dropRetiredIndexes(ctx context.Context) error {
	byColl := map[string][]index{}
	for _, ix := range retiredIndexes {
		byColl[ix.collection] = append(byColl[ix.collection], ix)
	}
	for coll, retired := range byColl {
		specs, err := s.db.Collection(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			return s.fail("list indexes of "+coll, err)
		}
		for _, sp := range specs {
			for _, ix := range retired {
				if sp.Name != ix.name || !sameIndexKeys(sp.KeysDocument, ix.keys) {
					continue
				}
				// Another process starting at the same time may drop it
				// first: a missing index is what we want.
				err := s.db.Collection(coll).Indexes().DropOne(ctx, ix.name)
				var ce mongo.CommandError
				if err != nil && !(errors.As(err, &ce) && (ce.Code == 27 || ce.Name == "IndexNotFound")) {
					return s.fail("drop index "+coll+"."+ix.name, err)
				}
			}
		}
	}
	return nil
}

// sameIndexKeys reports whether an index's key document has exactly these keys,
// in this order and direction (1 and 1.0 and int64(1) are one direction).
func sameIndexKeys(raw bson.Raw, keys bson.D) bool {
	elems, err := raw.Elements()
	if err != nil || len(elems) != len(keys) {
		return false
	}
	for i, e := range elems {
		if e.Key() != keys[i].Key || indexDirection(e.Value()) != indexDirection(indexValue(keys[i].Value)) {
			return false
		}
	}
	return true
}

// indexDirection is an index key's kind: "1" or "-1" for ascending and
// descending whatever the number's type, else the value as given ("text").
func indexDirection(v bson.RawValue) string {
	if f, ok := v.AsFloat64OK(); ok {
		if f < 0 {
			return "-1"
		}
		return "1"
	}
	return v.String()
}

func indexValue(v any) bson.RawValue {
	t, b, err := bson.MarshalValue(v)
	if err != nil {
		panic(err) // only the literals of the lists above
	}
	return bson.RawValue{Type: t, Value: b}
}

func indexKeysString(keys bson.D) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %v", k.Key, k.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// redactURI hides a password in a MongoDB URI for the log.
func redactURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable URI)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.Redacted()
}
