package store_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// Version-checked saves from several goroutines at once: every save that
// reports success must be one more version, as on MongoDB. Without the
// embedded store's serialisation FerretDB lets two saves of the same
// version both succeed (the check shows that it is still needed).
func TestEmbeddedConditionalUpdatesAreAtomic(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("the serialisation is the embedded store's; an external server gives its own atomicity or none")
	}
	for _, serialised := range []bool{true, false} {
		name := "serialised"
		if !serialised {
			name = "not serialised"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			st.SetSerialisedWrites(serialised)
			def := exampleDefinition(t)
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			if err := st.CreateSurvey(ctx, &surveys.Survey{ID: "A", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			var saved atomic.Int64
			var wg sync.WaitGroup
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 10 {
						sv, err := st.Survey(ctx, "o", "A")
						if err != nil {
							t.Error(err)
							return
						}
						switch err := st.SaveSurvey(ctx, sv, nil); {
						case err == nil:
							saved.Add(1)
						case !errors.Is(err, surveys.ErrConflict):
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			sv, err := st.Survey(ctx, "o", "A")
			if err != nil {
				t.Fatal(err)
			}
			lost := int(saved.Load()) + 1 - sv.Version
			t.Logf("%d saves succeeded, version %d: %d lost", saved.Load(), sv.Version, lost)
			if serialised && lost != 0 {
				t.Fatalf("%d successful saves were lost", lost)
			}
			if !serialised && lost == 0 {
				t.Fatal("no save was lost without the serialisation: is FerretDB atomic now? Then atomic.go may go")
			}
		})
	}
}

// Every write of the store goes through col (atomic.go), which holds the
// document's lock on the embedded store; a write straight to a
// mongo.Collection would escape it. Inserts need no lock.
func TestWritesHoldTheirDocumentsLock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	writes := map[string]bool{"UpdateOne": true, "UpdateMany": true, "ReplaceOne": true, "DeleteOne": true,
		"DeleteMany": true, "FindOneAndUpdate": true, "FindOneAndReplace": true, "FindOneAndDelete": true, "BulkWrite": true}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "atomic.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Names bound to a raw collection (x := s.db.Collection(...)), and
		// those of the surveys.
		raw, rawSurveys := map[string]bool{}, map[string]bool{}
		ast.Inspect(file, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok {
				for i, rhs := range as.Rhs {
					if isRawCollection(rhs) && i < len(as.Lhs) {
						if id, ok := as.Lhs[i].(*ast.Ident); ok {
							raw[id.Name] = true
							rawSurveys[id.Name] = isRawSurveys(rhs)
						}
					}
				}
			}
			return true
		})
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			// Inserts need no lock, but those of the surveys are counted
			// (Store.openSurveyHeads).
			if sel.Sel.Name == "InsertOne" || sel.Sel.Name == "InsertMany" {
				id, isIdent := sel.X.(*ast.Ident)
				if isRawSurveys(sel.X) || (isIdent && rawSurveys[id.Name]) {
					t.Errorf("%s: %s of surveys on a raw collection: write through s.col(colSurveys), which counts it", fset.Position(call.Pos()), sel.Sel.Name)
				}
				return true
			}
			if !writes[sel.Sel.Name] {
				return true
			}
			checked++
			id, isIdent := sel.X.(*ast.Ident)
			if isRawCollection(sel.X) || (isIdent && raw[id.Name]) {
				t.Errorf("%s: %s on a raw collection: write through s.col(...) (atomic.go)", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("only %d writes found: the check does not see the store's code", checked)
	}
}

// isRawSurveys reports whether e is s.db.Collection(colSurveys).
func isRawSurveys(e ast.Expr) bool {
	if !isRawCollection(e) {
		return false
	}
	args := e.(*ast.CallExpr).Args
	if len(args) != 1 {
		return false
	}
	name, ok := args[0].(*ast.Ident)
	return ok && name.Name == "colSurveys"
}

// isRawCollection reports whether e is a call of .Collection(...) on a
// database (s.db.Collection(colX)).
func isRawCollection(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Collection"
}
