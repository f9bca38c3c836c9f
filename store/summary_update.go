package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// The update loop of a summary: a batch's delta added to its part in one
// conditional update (applyToPart), the head rewritten when a release is
// due (releaseDue, changeHead, advanceRelease, writeHead), and the changes
// made by a recount or a close (ReplaceSummary, FreezeSummary).

// maxAttempts bounds the retries of a conditional update that another
// writer keeps coming first to.
const maxAttempts = 50

// applyDeltas merges into a survey's summary the delta of each batch not
// counted yet (one recovered set may mix batches applied before a crash
// with others): each batch's delta goes to its part. Then the release
// advances if the rule allows.
func (s *Store) applyDeltas(ctx context.Context, surveyID string, deltas map[string]*surveys.Tally, k int) error {
	perPart := map[int]map[string]*surveys.Tally{}
	for b, delta := range deltas {
		p := s.partOf(b)
		if perPart[p] == nil {
			perPart[p] = map[string]*surveys.Tally{}
		}
		perPart[p][b] = delta
	}
	for _, p := range slices.Sorted(maps.Keys(perPart)) {
		if err := s.applyToPart(ctx, surveyID, p, perPart[p]); err != nil {
			return err
		}
	}
	if due, err := s.releaseDue(ctx, surveyID, k); err != nil || !due {
		return err
	}
	return s.changeHead(ctx, surveyID, k, nil)
}

// releaseDue tells from the counts alone (the head's and its parts', a
// few numbers) whether changeHead would make a release, or has a summary
// stored before to convert: most passes add fewer than k responses, and
// need not read and merge every part's tally to find out.
func (s *Store) releaseDue(ctx context.Context, surveyID string, k int) (bool, error) {
	var head summaryDoc
	err := s.db.Collection(colSummaries).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}},
		options.FindOne().SetProjection(bson.D{{Key: "n", Value: 1}, {Key: "release_n", Value: 1},
			{Key: "frozen", Value: 1}, {Key: "generation", Value: 1}, {Key: "version", Value: 1}})).Decode(&head)
	exists := err == nil
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, s.fail("read summary", err)
	}
	if exists && head.BaseN == nil {
		return true, nil // stored before counts were kept: changeHead adds them
	}
	if head.Frozen {
		return false, nil
	}
	parts, err := s.readParts(ctx, surveyID, bson.D{{Key: "n", Value: 1}, {Key: "generation", Value: 1}})
	if err != nil {
		return false, err
	}
	n := 0
	if head.BaseN != nil {
		n = *head.BaseN
	}
	for _, p := range parts {
		if p.Generation == head.Generation {
			n += p.N
		}
	}
	return surveys.NextRelease(&surveys.Tally{Responses: head.ReleaseN}, &surveys.Tally{Responses: n}, k), nil
}

// applyToPart adds to one part of a survey's tally the deltas of the
// batches it does not count yet, in one update conditional on the part's
// version, trying again when another writer came first.
//
// Each attempt reads the head, then the part, then the queue, in that
// order. A batch is added only if it is still queued (a batch that left
// the queue was counted in full by whoever dequeued it, perhaps another
// process's recovery) and neither the part nor the head's base counts it.
// The queue is read last: a batch whose id a writer dropped from a list
// (recordBatches) had left the queue before that writer's read, so it is
// seen as gone here too. After writing, the head's generation is read
// again: if a recount made a new base meanwhile, the write counted for
// nothing and the batches are added again to the new generation, unless
// the recount counted them.
func (s *Store) applyToPart(ctx context.Context, surveyID string, part int, deltas map[string]*surveys.Tally) error {
	parts := s.col(colParts)
	id := partID(surveyID, part)
	for range maxAttempts {
		head, err := s.readHead(ctx, surveyID)
		if err != nil {
			return err
		}
		var d partDoc
		err = parts.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		exists := err == nil
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return s.fail("read summary part", err)
		}
		// Of the queue, only what this write decides on: the batches of the
		// deltas, and those the part lists (recordBatches keeps those still
		// queued). Reading the whole queue for each survey of a pass cost
		// a pass over many surveys most of its time.
		candidates := slices.Clone(d.Batches)
		for b := range deltas {
			candidates = append(candidates, b)
		}
		queued, err := s.queuedAmong(ctx, candidates)
		if err != nil {
			return err
		}
		tally, err := s.partTally(ctx, &d, head.Generation)
		if errors.Is(err, errCellsGone) {
			continue // the part changed since it was read
		}
		if err != nil {
			return err
		}
		var applied []string
		for b, delta := range deltas {
			if slices.Contains(queued, b) && !slices.Contains(d.Batches, b) && !slices.Contains(head.Batches, b) {
				tally.Merge(delta)
				applied = append(applied, b)
			}
		}
		if len(applied) == 0 {
			return nil // all counted before
		}
		next := partDoc{ID: id, Generation: head.Generation, Version: d.Version + 1, N: tally.Responses, TallyZ: encodeTally(tally),
			Batches: recordBatches(d.Batches, queued, applied)}
		if next.CellsRef, err = s.putCells(ctx, surveyID, tally.Cells); err != nil {
			return err
		}
		written, err := s.writePart(ctx, parts, exists, d, next)
		if err != nil {
			// The write may have landed all the same (a lost reply):
			// the new cells stay, named or not.
			return err
		}
		if !written {
			s.dropCells(ctx, next.CellsRef)
			s.conflicts.Add(1)
			continue
		}
		s.dropCells(ctx, d.CellsRef)
		now, err := s.readHead(ctx, surveyID)
		if err != nil {
			return err
		}
		if now.Generation == head.Generation {
			return nil
		}
	}
	return fmt.Errorf("store: update summary of %s: too many concurrent updates", surveyID)
}

// partTally is what part d counts of generation gen, cells included: none
// if d is of another generation (a recount's base replaced what it
// counted; its list of batches is dropped too).
func (s *Store) partTally(ctx context.Context, d *partDoc, gen int) (*surveys.Tally, error) {
	if d.Generation != gen {
		d.Batches = nil
		return surveys.NewTally(), nil
	}
	t, err := decodeTally(d.TallyZ, "")
	if err != nil {
		return nil, err
	}
	return t, s.loadCells(ctx, d.CellsRef, t)
}

// writePart stores part next: an insert when none existed, else an update
// conditional on the version d read. False: another writer came first.
func (s *Store) writePart(ctx context.Context, parts col, exists bool, d, next partDoc) (bool, error) {
	if !exists {
		unlock := parts.lockOne(bson.D{{Key: "_id", Value: next.ID}})
		_, err := parts.InsertOne(ctx, next)
		unlock()
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		if err != nil {
			return false, s.fail("create summary part", err)
		}
		return true, nil
	}
	set := bson.D{{Key: "generation", Value: next.Generation}, {Key: "version", Value: next.Version},
		{Key: "n", Value: next.N}, {Key: "tally_z", Value: next.TallyZ}, {Key: "batches", Value: next.Batches}}
	update := bson.D{{Key: "$set", Value: append(set, bson.E{Key: "cells_ref", Value: next.CellsRef})}}
	res, err := parts.UpdateOne(ctx, bson.D{{Key: "_id", Value: next.ID}, {Key: "version", Value: d.Version}}, update)
	if err != nil {
		return false, s.fail("update summary part", err)
	}
	return res.MatchedCount == 1, nil
}

// readHead reads a summary's head without its tallies.
func (s *Store) readHead(ctx context.Context, surveyID string) (summaryDoc, error) {
	var d summaryDoc
	err := s.db.Collection(colSummaries).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}},
		options.FindOne().SetProjection(bson.D{{Key: "generation", Value: 1}, {Key: "batches", Value: 1}, {Key: "version", Value: 1}})).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return d, s.fail("read summary", err)
	}
	return d, nil
}

// changeHead reads a survey's summary, lets change modify its head and
// base (nil: no change; false: nothing to do), advances the release when
// the rule allows and the summary is not frozen, and writes the head back
// in one update conditional on the version it read, trying again when
// another writer came first. Nothing is written when nothing changed.
//
// change gets the base tally and the whole tally (base and parts); a
// change that replaces the base replaces the whole tally too (a new
// generation leaves the parts out).
func (s *Store) changeHead(ctx context.Context, surveyID string, k int, change func(d *summaryDoc, base, tally *surveys.Tally) (bool, error)) error {
	for range maxAttempts {
		h, err := s.readSummary(ctx, surveyID, true)
		if errors.Is(err, errCellsGone) {
			continue
		}
		if err != nil {
			return err
		}
		d := h.doc
		wasFrozen := d.Frozen
		changed := false
		if change != nil {
			if changed, err = change(&d, h.base, h.tally); err != nil || !changed {
				return err
			}
		}
		// The base is written when it changed, is converted from text, or
		// lacks its count (stored before counts were kept).
		writeBase := changed || d.TallyText != "" || (h.exists && d.BaseN == nil)
		if writeBase {
			d.TallyZ, d.BaseN = encodeTally(h.base), &h.base.Responses
		}
		releaseChanged := false
		if !wasFrozen {
			if releaseChanged, err = s.advanceRelease(&d, h.tally, k); err != nil {
				return err
			}
		}
		if !writeBase && !releaseChanged && d.ReleaseTallyText == "" {
			return nil
		}
		// A release stored as text is converted (writeHead), its cells too.
		releaseCells := releasedCells(d, h.tally)
		if !releaseChanged && d.ReleaseTallyText != "" && d.ReleaseTallyZ == nil {
			t, err := decodeTally(nil, d.ReleaseTallyText)
			if err != nil {
				return err // never replace a release by nothing
			}
			d.ReleaseTallyZ, releaseCells, releaseChanged = encodeTally(t), t.Cells, true
		}
		written, err := s.writeHeadCells(ctx, h, d, writeBase, releaseChanged, releaseCells)
		if err != nil || written {
			return err
		}
		s.conflicts.Add(1)
	}
	return fmt.Errorf("store: update summary of %s: too many concurrent updates", surveyID)
}

// writeHeadCells writes head d (read as h) with the cells of what it
// writes, each in a new document: the base's when writeBase, the
// release's (releaseCells) when release. The documents the head named
// before go once it names the new ones; the new ones go if another
// writer came first (false). A failed write may have landed all the same
// (a lost reply), so its new documents stay.
func (s *Store) writeHeadCells(ctx context.Context, h *storedSummary, d summaryDoc, writeBase, release bool, releaseCells map[string]*surveys.Tally) (bool, error) {
	var err error
	if writeBase {
		if d.CellsRef, err = s.putCells(ctx, h.id, h.base.Cells); err != nil {
			return false, err
		}
	}
	if release {
		if d.ReleaseCellsRef, err = s.putCells(ctx, h.id, releaseCells); err != nil {
			s.dropCells(ctx, newRef(writeBase, d.CellsRef, h.doc.CellsRef))
			return false, err
		}
	}
	written, err := s.writeHead(ctx, h, d, writeBase, release || d.ReleaseTallyText != "")
	switch {
	case err != nil:
		return false, err
	case written:
		s.dropCells(ctx, newRef(writeBase, h.doc.CellsRef, d.CellsRef), newRef(release, h.doc.ReleaseCellsRef, d.ReleaseCellsRef))
	default:
		s.dropCells(ctx, newRef(writeBase, d.CellsRef, h.doc.CellsRef), newRef(release, d.ReleaseCellsRef, h.doc.ReleaseCellsRef))
	}
	return written, nil
}

// newRef is ref if changed and it differs from other: a document written
// (or replaced) by a head write.
func newRef(changed bool, ref, other string) string {
	if !changed || ref == other {
		return ""
	}
	return ref
}

// releasedCells are the cells of the release advanceRelease made: the
// tally's, or none when it dropped the release.
func releasedCells(d summaryDoc, tally *surveys.Tally) map[string]*surveys.Tally {
	if d.ReleaseN == 0 {
		return nil
	}
	return tally.Cells
}

// advanceRelease sets d's release to the whole tally when the release rule
// allows, and reports whether the release changed. A release made before
// perturbation has no record keys to perturb with: it is dropped, and
// replaced by the next one, made at once if the tally has k responses
// (upgradeTallies recounted it). The caller leaves a frozen release alone:
// what arrives after the close (a submission in flight then) is counted,
// and stays out of the figures.
func (s *Store) advanceRelease(d *summaryDoc, tally *surveys.Tally, k int) (bool, error) {
	released, err := d.releaseTally()
	if err != nil {
		return false, err
	}
	dropped := !released.HasKeys() && tally.HasKeys()
	if dropped {
		released = surveys.NewTally()
	}
	switch {
	case surveys.NextRelease(released, tally, k):
		d.ReleaseN, d.ReleaseTallyZ, d.ReleaseDay = tally.Responses, encodeTally(tally), s.now().UTC().Format(time.DateOnly)
		return true, nil
	case dropped:
		d.ReleaseN, d.ReleaseTallyZ = 0, encodeTally(released)
		return true, nil
	}
	return false, nil
}

// writeHead writes a summary's head d, read as h: an insert if there was
// none, else an update conditional on the version read, of the base and
// of the release as asked (and converting fields stored as text). False:
// another writer came first.
func (s *Store) writeHead(ctx context.Context, h *storedSummary, d summaryDoc, base, release bool) (bool, error) {
	heads := s.col(colSummaries)
	if !h.exists {
		d.ID, d.Version, d.BaseN = h.id, 1, &h.base.Responses
		unlock := heads.lockOne(bson.D{{Key: "_id", Value: h.id}})
		_, err := heads.InsertOne(ctx, d)
		unlock()
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		if err != nil {
			return false, s.fail("create summary", err)
		}
		return true, nil
	}
	set := bson.D{{Key: "version", Value: d.Version + 1}}
	if base {
		set = append(set, bson.E{Key: "tally_z", Value: d.TallyZ}, bson.E{Key: "n", Value: d.BaseN}, bson.E{Key: "generation", Value: d.Generation},
			bson.E{Key: "batches", Value: d.Batches}, bson.E{Key: "frozen", Value: d.Frozen}, bson.E{Key: "cells_ref", Value: d.CellsRef})
	}
	if release {
		if d.ReleaseTallyText != "" && d.ReleaseTallyZ == nil {
			t, err := decodeTally(nil, d.ReleaseTallyText)
			if err != nil {
				return false, err // never replace a release by nothing
			}
			d.ReleaseTallyZ = encodeTally(t)
		}
		set = append(set, bson.E{Key: "release_n", Value: d.ReleaseN}, bson.E{Key: "release_tally_z", Value: d.ReleaseTallyZ},
			bson.E{Key: "release_day", Value: d.ReleaseDay}, bson.E{Key: "release_cells_ref", Value: d.ReleaseCellsRef})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if d.TallyText != "" || d.ReleaseTallyText != "" {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "tally", Value: ""}, {Key: "release_tally", Value: ""}}})
	}
	res, err := heads.UpdateOne(ctx, bson.D{{Key: "_id", Value: h.id}, {Key: "version", Value: h.doc.Version}}, update)
	if err != nil {
		return false, s.fail("update summary", err)
	}
	return res.MatchedCount == 1, nil
}

// SummaryConflicts counts the summary updates that another writer came
// first to, so that they were tried again: a measure of contention on
// summaries (benchmarks, and an operator's look at a busy deployment).
func (s *Store) SummaryConflicts() int64 { return s.conflicts.Load() }

// recordBatches is the list of applied batches a summary keeps: those just
// applied, and of the earlier ones only those still queued (a batch that
// left the queue is never applied again, so it need not be remembered;
// the list stays as short as the queue).
func recordBatches(recorded, queued, applied []string) []string {
	out := append([]string(nil), applied...)
	for _, b := range recorded {
		if slices.Contains(queued, b) && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// ReplaceSummary makes t (a recount) a survey's whole tally, keeps the
// release rule, and freezes the release when freeze is set. t becomes the
// base of a new generation in one update, so the parts written before
// count for nothing from then on, and every batch still queued is taken
// as counted by t: call it when no submission to the survey is in flight
// (a batch queued before the recount read the responses but stored after
// it would be lost; the recount command says so).
func (s *Store) ReplaceSummary(ctx context.Context, surveyID string, t *surveys.Tally, k int, freeze bool) error {
	queued, err := s.queuedBatches(ctx)
	if err != nil {
		return err
	}
	return s.changeHead(ctx, surveyID, k, func(d *summaryDoc, base, tally *surveys.Tally) (bool, error) {
		*base, *tally = *t, *t
		d.Generation++
		d.Batches = queued
		d.Frozen = d.Frozen || freeze
		return true, nil
	})
}

// FreezeSummary makes a closed survey's release its last: the release
// advances one last time if the rule allows, and never again. The tally
// itself stays exact: a batch that was in flight when the survey closed
// (a submission accepted just before) is still added to it, and stays out
// of the published figures, as any remainder of fewer than k does. Call
// it after the survey is saved closed and this process's summarizer is
// flushed.
func (s *Store) FreezeSummary(ctx context.Context, surveyID string, k int) error {
	return s.changeHead(ctx, surveyID, k, func(d *summaryDoc, _, _ *surveys.Tally) (bool, error) {
		if d.Frozen {
			return false, nil
		}
		d.Frozen = true
		return true, nil
	})
}
