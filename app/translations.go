package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

// The formats of a translator's file.
const (
	TranslationXLSX = "xlsx"
	TranslationCSV  = "csv"
)

// Errors reading a translator's file; the API maps each to its problem.
var (
	// ErrTranslationFileType: the file is neither XLSX nor CSV (a legacy
	// .xls workbook included).
	ErrTranslationFileType = errors.New("app: a translator's file is XLSX or CSV")
	// ErrMalformedTranslationFile: the file is not a readable workbook or
	// UTF-8 CSV, or lacks the columns of a translator's file.
	ErrMalformedTranslationFile = errors.New("app: the translator's file cannot be read")
	// ErrTranslationFileTooLarge: the workbook unpacks to more than
	// maxUnzipped bytes.
	ErrTranslationFileTooLarge = errors.New("app: the translator's workbook is too large once unpacked")
)

// Bounds on reading a translator's workbook, which is outside input: a
// small zip file can unpack to gigabytes (excelize's own default limit is
// 16 GB). The largest survey's file is a few megabytes unpacked.
const (
	maxUnzipped    = 16 << 20 // all of the workbook's parts, unpacked
	maxUnzippedXML = 16 << 20 // one part held in memory: the same, so that no part goes to a temporary file
	maxZipParts    = 1000     // a workbook Excel or LibreOffice writes has a dozen
)

// translationParts bounds the XML of a translator's workbook before
// excelize reads it (xlsform.CheckParts): its unpacked size alone let 16
// MiB of "<xf/>" (a zip file of 20 KB) be decoded into gigabytes, and a
// worksheet of empty cells take seconds. A file of surveys.MaxTextRows
// rows of five cells, each a shared string, stays well inside.
var translationParts = xlsform.PartLimits{
	Parts:         maxZipParts,
	Unzipped:      maxUnzipped,
	Elements:      1000000,
	Decoded:       100000,
	SharedStrings: 5 * (surveys.MaxTextRows + 1),
	RowElements:   2 * (surveys.MaxTextRows + 1),
}

// Columns of a translator's file, in order (1-based in a sheet).
const (
	colKey = iota
	colContext
	colSource
	colTranslation
	colMaxLength
	translationColumns
)

// TranslationSheet is what a translator's file says besides the texts: its
// labels in the organiser's language, and which way each language is
// written.
type TranslationSheet struct {
	// Title names the workbook (its properties); Language is the target.
	Title, Language string
	// Sheet and InstructionsSheet name the two sheets of the workbook.
	Sheet, InstructionsSheet string
	// Header is the header row: key, context, source, translation, max
	// length.
	Header [translationColumns]string
	// Instructions are the lines of the instructions sheet.
	Instructions []string
	// Context describes a text for the context column.
	Context func(surveys.TranslatableText) string
	// SourceRTL, TargetRTL and LabelsRTL: the default language, the target
	// language and the organiser's language are written right to left.
	SourceRTL, TargetRTL, LabelsRTL bool
}

// WriteTranslations writes the translator's file of a survey's texts (from
// Definition.Texts) in format: one row per text under a header row; key,
// context, source, translation and maximum length. CSV is UTF-8 with a
// byte order mark (so that Excel reads it as UTF-8); a text a spreadsheet
// could take for a formula gets a leading apostrophe, which
// ReadTranslations removes. XLSX (streamed) has a frozen header row, wide
// wrapped text columns, the sheet right to left for a right-to-left target
// language, and an instructions sheet.
func WriteTranslations(w io.Writer, format string, texts []surveys.TranslatableText, sh TranslationSheet) error {
	switch format {
	case TranslationCSV:
		return writeTranslationsCSV(w, texts, sh)
	case TranslationXLSX:
		return writeTranslationsXLSX(w, texts, sh)
	}
	return ErrTranslationFileType
}

func writeTranslationsCSV(w io.Writer, texts []surveys.TranslatableText, sh TranslationSheet) error {
	bw := &errWriter{w: w}
	_, _ = io.WriteString(bw, "\ufeff")
	cw := csv.NewWriter(bw)
	_ = cw.Write(sh.Header[:])
	for _, e := range texts {
		_ = cw.Write([]string{e.Key, defuse(sh.Context(e)), defuse(e.Source), defuse(e.Translation), strconv.Itoa(e.MaxLength)})
	}
	cw.Flush()
	if bw.err != nil {
		return bw.err
	}
	return cw.Error()
}

// errWriter keeps the first error of its writer.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// translationStyles are the cell styles of a translator's workbook.
type translationStyles struct {
	header, key, context, source, translation, limit int
}

func newTranslationStyles(f *excelize.File, sh TranslationSheet) (translationStyles, error) {
	var st translationStyles
	order := func(rtl bool) uint64 { // 1 left to right, 2 right to left
		if rtl {
			return 2
		}
		return 1
	}
	top := func(rtl bool) *excelize.Alignment {
		return &excelize.Alignment{WrapText: true, Vertical: "top", ReadingOrder: order(rtl)}
	}
	grey := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: grey,
			Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
			Alignment: &excelize.Alignment{Vertical: "bottom", WrapText: true, ReadingOrder: order(sh.LabelsRTL)}}},
		{&st.key, excelize.Style{Font: &excelize.Font{Color: "595959", Size: 9}, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.context, excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}, Alignment: top(sh.LabelsRTL)}},
		{&st.source, excelize.Style{Fill: grey, Alignment: top(sh.SourceRTL)}},
		{&st.translation, excelize.Style{Alignment: top(sh.TargetRTL)}},
		{&st.limit, excelize.Style{Font: &excelize.Font{Color: "595959"}, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

func writeTranslationsXLSX(w io.Writer, texts []surveys.TranslatableText, sh TranslationSheet) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	st, err := newTranslationStyles(f, sh)
	if err != nil {
		return err
	}
	main, notes := sheetName(sh.Sheet, "Translations"), sheetName(sh.InstructionsSheet, "Instructions")
	if notes == main {
		notes = "Instructions"
	}
	if err := f.SetSheetName(f.GetSheetName(0), main); err != nil {
		return err
	}
	if _, err := f.NewSheet(notes); err != nil {
		return err
	}
	// Sheet views are set before streaming: afterwards they would read the
	// streamed sheet back into memory.
	for name, rtl := range map[string]bool{main: sh.TargetRTL, notes: sh.LabelsRTL} {
		if err := f.SetSheetView(name, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
			return err
		}
	}
	if err := writeTextSheet(f, main, texts, sh, st); err != nil {
		return err
	}
	if err := writeInstructionsSheet(f, notes, sh, st); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: sh.Title, Language: sh.Language, Creator: "YouthVoice"}); err != nil {
		return err
	}
	return f.Write(w)
}

func writeTextSheet(f *excelize.File, name string, texts []surveys.TranslatableText, sh TranslationSheet, st translationStyles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	// Wide wrapped text columns for the source and the translation; the
	// key and the context narrower.
	for i, width := range []float64{26, 34, 60, 60, 11} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "D2", ActiveCell: "D2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	header := make([]any, translationColumns)
	for i, h := range sh.Header {
		header[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	for i, e := range texts {
		ref, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, []any{
			excelize.Cell{StyleID: st.key, Value: e.Key},
			excelize.Cell{StyleID: st.context, Value: sh.Context(e)},
			excelize.Cell{StyleID: st.source, Value: e.Source},
			excelize.Cell{StyleID: st.translation, Value: e.Translation},
			excelize.Cell{StyleID: st.limit, Value: e.MaxLength},
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeInstructionsSheet(f *excelize.File, name string, sh TranslationSheet, st translationStyles) error {
	return writeLinesSheet(f, name, sh.Instructions, st.header, st.context)
}

// writeLinesSheet writes an instructions sheet: one wide column, a line
// a row, the first in the title style.
func writeLinesSheet(f *excelize.File, name string, lines []string, title, line int) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 100); err != nil {
		return err
	}
	for i, text := range lines {
		style := line
		if i == 0 {
			style = title
		}
		ref, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, []any{excelize.Cell{StyleID: style, Value: text}}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// sheetName makes a valid sheet name: at most 31 characters, none of
// []:*?/\, not empty.
func sheetName(s, fallback string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), "'")
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		return fallback
	}
	return s
}

// defuse keeps a CSV cell from being read as a formula by a spreadsheet
// (OWASP's advice: a leading apostrophe), when its first visible character
// is =, +, -, @ or the minus sign, or a tab or carriage return comes
// before it. undefuse takes the apostrophe away again.
func defuse(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

func undefuse(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok && formulaLike(rest) {
		return rest
	}
	return s
}

// formulaLike reports whether a spreadsheet could read s as a formula.
// Spaces, invisible and combining characters in front are skipped, and
// the first other character is compared after NFKC (a full-width "＝" is
// "=").
func formulaLike(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\t' || r == '\r':
			return true
		case unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me):
			i += size
			continue
		}
		first, _ := utf8.DecodeRuneInString(norm.NFKC.String(s[i : i+size]))
		return strings.ContainsRune("=+-@\u2212", first)
	}
	return false
}

// ReadTranslations reads the rows of a translator's file: the first sheet
// of a workbook, or a CSV file (UTF-8, with or without a byte order mark,
// separated by commas, semicolons or tabs, as spreadsheets in different
// locales save it). The first row is the header, and must have the four
// first columns; then each row gives a key (column 1) and a translation
// (column 4); the other columns are not read. Row numbers are those a
// spreadsheet shows. Reading is bounded: at most surveys.MaxTextRows rows
// after the header, and a workbook unpacks to at most maxUnzipped bytes.
func ReadTranslations(data []byte, format string) ([]surveys.TextRow, error) {
	switch format {
	case TranslationCSV:
		return readTranslationsCSV(data)
	case TranslationXLSX:
		return readTranslationsXLSX(data)
	}
	return nil, ErrTranslationFileType
}

// rowReader collects a file's rows, header first.
type rowReader struct {
	rows   []surveys.TextRow
	n      int
	header bool
}

// add takes the next row's cells; it fails when the file has too many rows
// or its header lacks the columns.
func (r *rowReader) add(cells []string, undo func(string) string) error {
	r.n++
	cell := func(i int) string {
		if i < len(cells) {
			return undo(cells[i])
		}
		return ""
	}
	if r.n == 1 {
		if strings.TrimSpace(cell(colKey)) == "" || strings.TrimSpace(cell(colTranslation)) == "" {
			return fmt.Errorf("%w: no header row with the columns of a translator's file", ErrMalformedTranslationFile)
		}
		r.header = true
		return nil
	}
	if r.n > surveys.MaxTextRows+1 {
		return surveys.TooManyRows()
	}
	key, text := strings.TrimSpace(cell(colKey)), cell(colTranslation)
	if key == "" && strings.TrimSpace(text) == "" {
		return nil // an empty row
	}
	r.rows = append(r.rows, surveys.TextRow{Row: r.n, Key: key, Text: text})
	return nil
}

func (r *rowReader) done() ([]surveys.TextRow, error) {
	if !r.header {
		return nil, fmt.Errorf("%w: empty", ErrMalformedTranslationFile)
	}
	return r.rows, nil
}

func readTranslationsCSV(data []byte) ([]surveys.TextRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrMalformedTranslationFile)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = csvSeparator(data)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	var rr rowReader
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
		}
		if err := rr.add(rec, undefuse); err != nil {
			return nil, err
		}
	}
	return rr.done()
}

// csvSeparator is the separator of a CSV file: the one of comma,
// semicolon and tab its first line has most of (Excel saves with a
// semicolon where the decimal mark is a comma, as in Swedish or Spanish).
func csvSeparator(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	best, sep := bytes.Count(line, []byte(",")), ','
	for _, c := range []rune{';', '\t'} {
		if n := bytes.Count(line, []byte(string(c))); n > best {
			best, sep = n, c
		}
	}
	return sep
}

func readTranslationsXLSX(data []byte) ([]surveys.TextRow, error) {
	if err := checkWorkbookSize(data); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: no sheet", ErrMalformedTranslationFile)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
	}
	defer rows.Close()
	var rr rowReader
	keep := func(s string) string { return s }
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
		}
		if err := rr.add(cells, keep); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
	}
	return rr.done()
}

// checkWorkbookSize refuses a workbook that is not a zip file, has too
// many parts, or unpacks to more than maxUnzipped bytes, before excelize
// reads it. The sizes are those the zip file declares: archive/zip fails a
// part that unpacks to more than its declared size.
func checkWorkbookSize(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) { // a legacy .xls (OLE2) workbook
		return fmt.Errorf("%w: a legacy .xls workbook", ErrTranslationFileType)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
	}
	if len(zr.File) > maxZipParts {
		return fmt.Errorf("%w: %d parts", ErrTranslationFileTooLarge, len(zr.File))
	}
	var total uint64
	for _, p := range zr.File {
		total += p.UncompressedSize64
		if p.UncompressedSize64 > maxUnzipped || total > maxUnzipped {
			return ErrTranslationFileTooLarge
		}
	}
	var rows *xlsform.ErrTooManyRowElements
	switch err := xlsform.CheckParts(data, translationParts); {
	case errors.As(err, &rows):
		return surveys.TooManyRows()
	case errors.Is(err, xlsform.ErrTooLarge):
		return ErrTranslationFileTooLarge
	case err != nil:
		return fmt.Errorf("%w: %v", ErrMalformedTranslationFile, err)
	}
	return nil
}

// TranslationsAction is the audit log's action of an upload of a
// translator's file.
const TranslationsAction = "translations"

// ImportTranslations applies a translator's file (data, in format) to the
// texts of one language of sv's definition on behalf of actor: the file is
// read (ReadTranslations), applied (Definition.ApplyTexts: only lang's
// texts change; bad rows are refused, each with its row, and nothing is
// applied), the survey updated as any change of its definition is
// (Survey.Update: a draft takes any valid definition; an open survey only
// a complete one, as a new revision; a closed or archived survey none),
// saved on the condition that nobody changed it since it was read, and
// the upload recorded in the audit log. With dryRun, everything is checked
// and reported but nothing is saved or audited, and sv does not change.
func (a *App) ImportTranslations(ctx context.Context, actor surveys.Token, sv *surveys.Survey, lang, format string, data []byte, dryRun bool) (surveys.TextsReport, error) {
	rows, err := ReadTranslations(data, format)
	if err != nil {
		return surveys.TextsReport{}, err
	}
	def, report, err := sv.Draft.ApplyTexts(lang, rows)
	if err != nil {
		return surveys.TextsReport{}, err
	}
	target := sv
	if dryRun {
		probe := *sv
		target = &probe
	}
	now := a.now().UTC()
	rev, err := target.Update(def, now)
	if err != nil || dryRun {
		return report, err
	}
	if err := a.store.SaveSurvey(ctx, sv, rev); err != nil {
		return surveys.TextsReport{}, err
	}
	detail := fmt.Sprintf("%s: %d added, %d changed, %d cleared", report.Language, report.Counts.Added, report.Counts.Changed, report.Counts.Cleared)
	if report.LanguageAdded {
		detail += ", language added"
	}
	entry := store.AuditEntry{OrgID: actor.OrgID, TokenID: actor.ID, Action: TranslationsAction, SurveyID: sv.ID, Detail: detail, At: a.now()}
	if err := a.store.Audit(ctx, entry); err != nil {
		return report, err
	}
	return report, nil
}

// NewTranslationSheet is what the translator's file of def in lang says
// besides the texts, in the server language ui: the same words wherever
// the file is made (the API, the console).
func NewTranslationSheet(cat *i18n.Catalog, def *surveys.Definition, lang, ui string) TranslationSheet {
	msg := func(id string, data map[string]any) string { return cat.Message(ui, id, data) }
	src := def.DefaultLanguage
	header := [5]string{
		msg("translate.column.key", nil), msg("translate.column.context", nil),
		msg("translate.column.source", map[string]any{"Language": src}),
		msg("translate.column.translation", map[string]any{"Language": lang}),
		msg("translate.column.max_length", nil),
	}
	var notes []string
	for _, id := range []string{"title", "fill", "keys", "empty", "limit", "upload"} {
		notes = append(notes, msg("translate.instructions."+id, map[string]any{
			"Language": lang, "Source": src, "Column": header[3]}))
	}
	return TranslationSheet{
		Title:    def.Title.In(src, src),
		Language: lang,
		Sheet:    msg("translate.sheet", nil), InstructionsSheet: msg("translate.instructions_sheet", nil),
		Header: header, Instructions: notes,
		Context: func(e surveys.TranslatableText) string {
			section := e.SectionTitle
			if section == "" {
				section = e.SectionID
			}
			question := e.QuestionText
			if question == "" {
				question = e.QuestionID
			}
			kind := ""
			if e.QuestionType != "" {
				kind = msg("translate.type."+string(e.QuestionType), nil)
			}
			return msg("translate.kind."+string(e.Kind), map[string]any{
				"Type": kind, "Section": section, "Question": question, "Point": e.Point, "Country": e.Country, "Code": e.Code,
			})
		},
		SourceRTL: i18n.Direction(src) == "rtl", TargetRTL: i18n.Direction(lang) == "rtl", LabelsRTL: i18n.Direction(ui) == "rtl",
	}
}
