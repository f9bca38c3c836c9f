package app_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
	"github.com/youthvoice/youthvoice/xlsform"
)

// ImportSurvey on a real store: a workbook without support resources
// becomes a draft of the organisation with the organisation's defaults, is
// stored and audited; a dry run stores and audits nothing; a file that is
// not a workbook, or too large, is refused and nothing is stored.
func TestImportSurvey(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	org, _, err := st.CreateOrg(ctx, "Ungdomsrådet", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSupportResources(ctx, org.ID, def.SupportResources); err != nil {
		t.Fatal(err)
	}
	orgDefaults := surveys.DefaultSupport(def.SupportResources, def.Languages)
	def.SupportResources = nil
	var wb bytes.Buffer
	if err := xlsform.Write(&wb, def); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{Store: st})
	defer a.Shutdown(ctx)
	actor := surveys.Token{ID: "tok-1", OrgID: org.ID}
	count := func() int {
		t.Helper()
		list, err := st.Surveys(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	audited := func() int {
		t.Helper()
		log, err := st.AuditLog(ctx, org.ID, time.Time{}, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range log {
			if e.Action == app.AuditImport {
				n++
			}
		}
		return n
	}

	dry, err := a.ImportSurvey(ctx, actor, bytes.NewReader(wb.Bytes()), int64(wb.Len()), true)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Survey != nil || len(dry.Definition.Sections) != len(def.Sections) || count() != 0 || audited() != 0 {
		t.Fatalf("a dry run: survey %v, %d sections, %d stored, %d audited", dry.Survey, len(dry.Definition.Sections), count(), audited())
	}

	imp, err := a.ImportSurvey(ctx, actor, bytes.NewReader(wb.Bytes()), int64(wb.Len()), false)
	if err != nil {
		t.Fatal(err)
	}
	sv := imp.Survey
	if sv == nil || sv.Status != surveys.Draft || sv.OrgID != org.ID || len(sv.ID) != 36 {
		t.Fatalf("imported %+v", sv)
	}
	if !reflect.DeepEqual(sv.Draft.SupportResources, orgDefaults) {
		t.Errorf("support resources %+v, want the organisation's %+v", sv.Draft.SupportResources, orgDefaults)
	}
	stored, err := st.Survey(ctx, org.ID, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Draft, imp.Definition) || !reflect.DeepEqual(stored.Draft, dry.Definition) {
		t.Errorf("the stored definition differs from the one returned, or from the dry run's")
	}
	log, err := st.AuditLog(ctx, org.ID, time.Time{}, "", 10)
	if err != nil || len(log) != 1 || log[0].Action != "survey_import" || log[0].SurveyID != sv.ID || log[0].TokenID != "tok-1" ||
		!strings.HasPrefix(log[0].Detail, "xlsform, ") {
		t.Fatalf("audit: %+v %v", log, err)
	}

	ole2 := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...)
	for _, c := range []struct {
		name string
		body []byte
		size int64
		want error
	}{
		{"legacy xls", ole2, int64(len(ole2)), xlsform.ErrLegacyXLS},
		{"not a workbook", []byte("type,name,label\ntext,q,Q\n"), 24, xlsform.ErrNotWorkbook},
		{"too large", wb.Bytes(), xlsform.MaxWorkbookBytes + 1, xlsform.ErrTooLarge},
	} {
		for _, dryRun := range []bool{false, true} {
			if _, err := a.ImportSurvey(ctx, actor, bytes.NewReader(c.body), c.size, dryRun); !errors.Is(err, c.want) {
				t.Errorf("%s (dry run %v): %v, want %v", c.name, dryRun, err, c.want)
			}
		}
	}
	if count() != 1 || audited() != 1 {
		t.Errorf("after the refusals: %d stored, %d audited", count(), audited())
	}
	// Another organisation's import is that organisation's.
	other, _, err := st.CreateOrg(ctx, "Another", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if imp, err := a.ImportSurvey(ctx, surveys.Token{ID: "cli", OrgID: other.ID}, bytes.NewReader(wb.Bytes()), int64(wb.Len()), false); err != nil ||
		imp.Survey.OrgID != other.ID || len(imp.Survey.Draft.SupportResources) != 0 {
		t.Errorf("another organisation's import: %+v %v", imp, err)
	}
	if _, err := a.ImportSurvey(ctx, surveys.Token{ID: "cli", OrgID: "nobody"}, bytes.NewReader(wb.Bytes()), int64(wb.Len()), false); !errors.Is(err, surveys.ErrNotFound) {
		t.Errorf("an organisation that does not exist: %v", err)
	}
}

// A sensitive survey needs support resources: a workbook that names none
// imports with the organisation's defaults, as the same survey created
// from JSON would (xlsform refused it before the defaults went in), and is
// refused, at the support sheet, where the organisation has none.
func TestImportSensitiveSurveyTakesTheOrganisationsSupport(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Example("safety-online-offline.json")
	if err != nil {
		t.Fatal(err)
	}
	if !def.Sensitive || len(def.SupportResources) == 0 {
		t.Fatal("the example is no longer a sensitive survey with support resources")
	}
	withDefaults, _, err := st.CreateOrg(ctx, "With helplines", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSupportResources(ctx, withDefaults.ID, def.SupportResources); err != nil {
		t.Fatal(err)
	}
	without, _, err := st.CreateOrg(ctx, "Without", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	def.SupportResources = nil
	var wb bytes.Buffer
	if err := xlsform.Write(&wb, def); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{Store: st})
	defer a.Shutdown(ctx)
	imp, err := a.ImportSurvey(ctx, surveys.Token{ID: "t", OrgID: withDefaults.ID}, bytes.NewReader(wb.Bytes()), int64(wb.Len()), false)
	if err != nil || len(imp.Definition.SupportResources) == 0 {
		t.Fatalf("import with the organisation's helplines: %v", err)
	}
	_, err = a.ImportSurvey(ctx, surveys.Token{ID: "t", OrgID: without.ID}, bytes.NewReader(wb.Bytes()), int64(wb.Len()), false)
	var xe *xlsform.Error
	if !errors.As(err, &xe) || len(xe.Problems) != 1 || xe.Problems[0].Code != xlsform.CodeSupportRequired {
		t.Fatalf("import without any helplines: %v", err)
	}
}
