package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	_ "modernc.org/sqlite" // the driver FerretDB itself uses, registered as "sqlite"
)

// FerretDB 1.24 on SQLite keeps a collection in a table of one JSON column,
// _ferretdb_sjson, with a unique index on the expression
// _ferretdb_sjson->"_id". But it finds, updates and deletes a document by
// _id with WHERE _ferretdb_sjson->'$._id' = ?: the same value to SQLite,
// not the same expression, and SQLite uses an expression index only for
// the expression it was made on. So every lookup by _id, the one filter
// FerretDB passes to SQLite, read and parsed every document of its
// collection: a survey save, a summary update or a page read grew with
// the database (measured with scripts/scale: a summary pass of 5,000
// responses to 150 of 300 surveys took 20 s, 60 % of it SQLite parsing
// JSON to find documents by _id). The store adds to each table of the
// embedded database an index on the expression FerretDB looks up with.
// FerretDB does not know of it (it lists and drops only its own), and it
// goes with its table.

// storeCollections are the collections the store uses, made at Open on
// the embedded store so that each has its lookup index from the start
// (FerretDB makes a collection at its first insert otherwise).
var storeCollections = []string{colSettings, colOrgs, colTokens, colSurveys, colRevisions, colResponses,
	colAccessCodes, colPages, colParts, colSummaries, colQueue, colAudit, colShares, colSessions,
	colConsultations, colOutcomes, colReadiness, colWeightings, colCells}

// lookupIndexSuffix names the index the store adds to a table.
const lookupIndexSuffix = "_youthvoice_id_lookup"

// indexLookups makes the store's collections and gives every table of the
// embedded database its lookup index (a no-op for those that have it).
func (s *Store) indexLookups(ctx context.Context, database string, log *slog.Logger) error {
	for _, name := range slices.Concat(storeCollections, []string{s.pageState().format.coll}) {
		err := s.db.CreateCollection(ctx, name)
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && ce.Code == codeNamespaceExists) {
			return s.fail("create collection "+name, err)
		}
	}
	file := filepath.Join(s.embedded.dir, database+".sqlite")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(file)+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return fmt.Errorf("store: open %s: %w", file, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return fmt.Errorf("store: list the tables of %s: %w", file, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("store: list the tables of %s: %w", file, err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: list the tables of %s: %w", file, err)
	}
	for _, t := range tables {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, t+lookupIndexSuffix).Scan(&n); err != nil {
			return fmt.Errorf("store: read the indexes of %s: %w", file, err)
		}
		if n > 0 {
			continue
		}
		// Once per table: on a database made before this index, it reads
		// every document of the table (minutes for millions of responses),
		// which the log says; a new, empty table is indexed at once.
		var rows int
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM %q LIMIT 1)`, t)).Scan(&rows); err != nil {
			return fmt.Errorf("store: read table %s: %w", t, err)
		}
		start := time.Now()
		if rows > 0 {
			log.Info("indexing the embedded store's lookups by _id, once", "table", t)
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+lookupIndexSuffix, t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: index the lookups of table %s: %w", t, err)
		}
		if rows > 0 {
			log.Info("indexed the lookups by _id", "table", t, "seconds", time.Since(start).Seconds())
		}
	}
	return nil
}

// codeNamespaceExists is the server's error code for creating a
// collection that exists.
const codeNamespaceExists = 48
