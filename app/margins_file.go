package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

// Population totals as a file (docs/statistics.md, "Weighting to the
// population"). An organiser gets the totals from a statistics office as
// a table, so besides the JSON body (surveys.Margins) the weighting takes
// a small CSV or XLSX file: one row per option code of each weighting
// dimension, under a header row naming the columns question, code and
// total. WriteMarginsTemplate writes that file for a survey, ready to
// fill in; ReadMargins reads it back into surveys.Margins, which
// Margins.Frame then checks against the survey as it checks JSON.
//
// The column names and the words "not stated" are English in every
// language, like the JSON fields: the file is read without knowing the
// organiser's language, and a header translated into one language would
// not read in another. The instructions sheet explains them in the
// organiser's language.

// The formats of a population totals file.
const (
	MarginsCSV  = "csv"
	MarginsXLSX = "xlsx"
)

// Errors reading a population totals file; the API maps each to its
// problem (problem.margins_file_type, problem.malformed_margins_file,
// problem.margins_file_too_large).
var (
	// ErrMarginsFileType: the file is neither XLSX nor CSV (a legacy .xls
	// workbook included).
	ErrMarginsFileType = errors.New("app: a population totals file is XLSX or CSV")
	// ErrMalformedMarginsFile: the file is not a readable workbook or UTF-8
	// CSV, or has no row at all.
	ErrMalformedMarginsFile = errors.New("app: the population totals file cannot be read")
	// ErrMarginsFileTooLarge: the workbook unpacks to more than a
	// population totals file can need.
	ErrMarginsFileTooLarge = errors.New("app: the population totals workbook is too large once unpacked")
)

// Field codes of a population totals file's rows. The pointers are /rows/{row}/{column}, with the rows
// numbered as a spreadsheet shows them (the header is row 1).
const (
	// CodeMarginsColumn: the header row lacks the column Params.Column.
	CodeMarginsColumn surveys.Code = "margins_column"
	// CodeMarginsTotal: a total is neither a number nor "not stated".
	CodeMarginsTotal surveys.Code = "margins_total"
	// CodeMarginsEmpty: no row of the file has a total.
	CodeMarginsEmpty surveys.Code = "margins_empty"
)

// Bounds of reading a population totals file, which is outside input.
const (
	// MaxMarginsRows bounds the rows with content: every option of the
	// most dimensions a weighting can have.
	MaxMarginsRows = surveys.MaxWeightingDimensions * surveys.MaxOptions
	// maxMarginsLines bounds the rows read, blank ones and the header
	// included, so a file of empty lines costs no more than a full one.
	maxMarginsLines = 10 * (MaxMarginsRows + 1)
	// maxMarginsCell bounds a question, code or total cell, in characters:
	// ids and codes are far shorter, and so is any written number.
	maxMarginsCell = 100
	// maxMarginsUnzipped bounds a workbook unpacked: the template of the
	// largest weighting is a few tens of kilobytes.
	maxMarginsUnzipped = 4 << 20
)

// marginsParts bounds a population totals workbook's XML before excelize
// reads it (xlsform.CheckParts, as for a translator's file): a worksheet
// of more than maxMarginsLines rows is refused as too many rows, and the
// shared strings hold at most the five cells of every row and the
// instructions.
var marginsParts = xlsform.PartLimits{
	Parts:         maxZipParts,
	Unzipped:      maxMarginsUnzipped,
	Elements:      200000,
	Decoded:       100000,
	SharedStrings: 5*maxMarginsLines + 100,
	RowElements:   maxMarginsLines,
}

// The columns of a population totals file. Only question, code and total
// are read; label is written for the organiser.
const (
	marginsColQuestion = "question"
	marginsColCode     = "code"
	marginsColLabel    = "label"
	marginsColTotal    = "total"
	// MarginsNotStated is what the total cell says for a code that is
	// not stated ("prefer not to say"); "not_stated" and any case are read
	// as well.
	MarginsNotStated = "not stated"
)

// marginsColumns are the columns the reader needs, in the order their
// problems are reported.
var marginsColumns = []string{marginsColQuestion, marginsColCode, marginsColTotal}

// ReadMargins reads a population totals file (format MarginsCSV or
// MarginsXLSX): the first sheet of a workbook, or a CSV file (UTF-8, with
// or without a byte order mark, separated by commas, semicolons or tabs).
// The first non-empty row is the header; its columns question, code and
// total are found by name (in any case and order; other columns, such as
// label, are not read). Each row below gives one code of one question and
// its total: a number (12345, 12 345, 12,345, 12345.0; in a workbook, a
// number cell), or "not stated" for a code that is not a category of the
// population. Dimensions are in the order of their first row; a question
// whose totals are all empty is left out (the template lists every
// breakdown question, and the organiser may weight by fewer); empty rows
// are skipped. missing is the rule for respondents who do not state a
// dimension, put in Margins.Missing as given (Margins.Frame checks it, and
// the rest against the survey).
//
// Bad rows are reported together as a *surveys.ValidationError with a
// pointer per bad cell, /rows/{row}/{column}, rows numbered as a
// spreadsheet shows them; a file that cannot be read is
// ErrMarginsFileType, ErrMalformedMarginsFile or ErrMarginsFileTooLarge.
func ReadMargins(data []byte, format, missing string) (*surveys.Margins, error) {
	r, err := readMarginsFile(data, format)
	if err != nil {
		return nil, err
	}
	return r.margins(missing)
}

func readMarginsFile(data []byte, format string) (*marginsReader, error) {
	r := newMarginsReader()
	var err error
	switch format {
	case MarginsCSV:
		err = r.readCSV(data)
	case MarginsXLSX:
		err = r.readXLSX(data)
	default:
		return nil, ErrMarginsFileType
	}
	return r, err
}

// CheckMarginsFile reads a population totals file (ReadMargins) and
// checks the margins against def (Margins.Frame), so that an upload is
// refused with the rows of the file, not pointers into margins the
// organiser never wrote: each of Frame's problems is moved to the row and
// column it concerns (a code the survey lacks to /rows/{row}/code, a bad
// total to /rows/{row}/total, a question to its first row,
// /dimensions to /rows). A code of the survey the file has no row for
// keeps Frame's pointer, /dimensions/{i}/totals/{code}, which names it;
// /missing stays /missing (the rule is not in the file).
func CheckMarginsFile(def *surveys.Definition, data []byte, format, missing string) (*surveys.Margins, error) {
	r, err := readMarginsFile(data, format)
	if err != nil {
		return nil, err
	}
	m, err := r.margins(missing)
	if err != nil {
		return nil, err
	}
	if _, err := m.Frame(def); err != nil {
		return nil, r.relocate(err)
	}
	return m, nil
}

// relocate moves the pointers of Margins.Frame's problems into the file.
func (r *marginsReader) relocate(err error) error {
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &surveys.ValidationError{Errors: make([]surveys.FieldError, len(ve.Errors))}
	for i, fe := range ve.Errors {
		fe.Pointer = r.rowPointer(fe)
		out.Errors[i] = fe
	}
	return out
}

// rowPointer is the file's pointer for one of Frame's problems.
func (r *marginsReader) rowPointer(fe surveys.FieldError) string {
	tokens := strings.Split(strings.TrimPrefix(fe.Pointer, "/"), "/")
	if tokens[0] != "dimensions" {
		return fe.Pointer
	}
	if len(tokens) == 1 {
		return "/rows"
	}
	i, err := strconv.Atoi(tokens[1])
	if err != nil || i < 0 || i >= len(r.kept) {
		return fe.Pointer
	}
	d := r.kept[i]
	column := marginsColTotal
	if fe.Code == surveys.CodeUnknownOption {
		column = marginsColCode
	}
	switch {
	case len(tokens) == 3 && tokens[2] == "question":
		return surveys.Pointer("rows", d.rows[0].line, marginsColQuestion)
	case len(tokens) == 3:
		return surveys.Pointer("rows", d.rows[0].line, marginsColTotal)
	case len(tokens) == 4 && tokens[2] == "totals":
		code := strings.ReplaceAll(strings.ReplaceAll(tokens[3], "~1", "/"), "~0", "~")
		if row := d.row(code, totalNumber, -1); row != nil {
			return surveys.Pointer("rows", row.line, column)
		}
	case len(tokens) == 4 && tokens[2] == "not_stated":
		j, _ := strconv.Atoi(tokens[3])
		if row := d.row("", totalNotStated, j); row != nil {
			return surveys.Pointer("rows", row.line, column)
		}
	}
	return fe.Pointer
}

// row finds the row of code (nth < 0), or the nth row of a kind.
func (d *marginsDim) row(code string, kind totalKind, nth int) *marginsRow {
	for i := range d.rows {
		row := &d.rows[i]
		if row.kind != kind {
			continue
		}
		if nth < 0 && row.code == code || nth == 0 {
			return row
		}
		nth--
	}
	return nil
}

// marginsReader collects a file's rows, header first.
type marginsReader struct {
	line      int            // the row being read, as a spreadsheet numbers it
	firstLine int            // the first row with content, while no header is found
	cols      map[string]int // the header's columns by name; nil before the header
	rows      int            // rows with content after the header
	dims      []*marginsDim  // in the order of their first row
	byID      map[string]*marginsDim
	kept      []*marginsDim // the dimensions of the margins, in their order
	problems  []rowProblem
}

type marginsDim struct {
	question string
	rows     []marginsRow
	codes    map[string]bool
}

// marginsRow is one code's row; kind says what its total cell held.
type marginsRow struct {
	line  int
	code  string
	kind  totalKind
	total float64
}

type totalKind int

const (
	totalBlank totalKind = iota
	totalNumber
	totalNotStated
	totalBad // reported already; not blank, so its question is not left out
)

// rowProblem is a problem and its row, so that problems are listed in row
// order whichever check found them.
type rowProblem struct {
	line int
	fe   surveys.FieldError
}

func newMarginsReader() *marginsReader {
	return &marginsReader{byID: map[string]*marginsDim{}}
}

func (r *marginsReader) add(line int, column string, code surveys.Code, params map[string]any) {
	ptr := "/rows"
	if line > 0 {
		ptr = surveys.Pointer("rows", line, column)
	}
	r.problems = append(r.problems, rowProblem{line, surveys.FieldError{Pointer: ptr, Code: code, Params: params}})
}

// tooManyRows is the problem of a file of more rows than any weighting has.
func tooManyRows() error {
	return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/rows", Code: surveys.CodeTooMany,
		Params: map[string]any{"Max": MaxMarginsRows}}}}
}

// next takes the next row's cells. undo takes a CSV cell's defusing
// apostrophe away; isNumber says whether a cell (by column) is a
// workbook's number cell, whose value is read as such.
func (r *marginsReader) next(cells []string, undo func(string) string, isNumber func(col int) bool) error {
	r.line++
	if r.line > maxMarginsLines {
		return tooManyRows()
	}
	if r.cols == nil {
		return r.header(cells, undo)
	}
	cell := func(name string) string {
		if i := r.cols[name]; i < len(cells) {
			return strings.TrimSpace(undo(cells[i]))
		}
		return ""
	}
	question, code, total := cell(marginsColQuestion), cell(marginsColCode), cell(marginsColTotal)
	if question == "" && code == "" && total == "" {
		return nil // an empty row, or one with only a label
	}
	if r.rows++; r.rows > MaxMarginsRows {
		return tooManyRows()
	}
	ok := r.checkCell(marginsColQuestion, question)
	ok = r.checkCell(marginsColCode, code) && ok
	row := marginsRow{line: r.line, code: code}
	switch {
	case utf8.RuneCountInString(total) > maxMarginsCell:
		r.add(r.line, marginsColTotal, surveys.CodeTooLong, map[string]any{"Max": maxMarginsCell})
		row.kind = totalBad
	default:
		row.kind, row.total = r.total(total, isNumber(r.cols[marginsColTotal]))
	}
	if !ok {
		return nil
	}
	d := r.byID[question]
	if d == nil {
		d = &marginsDim{question: question, codes: map[string]bool{}}
		r.byID[question] = d
		r.dims = append(r.dims, d)
	}
	if d.codes[code] {
		r.add(r.line, marginsColCode, surveys.CodeDuplicate, nil)
		return nil
	}
	d.codes[code] = true
	d.rows = append(d.rows, row)
	return nil
}

// checkCell reports a question or code cell that is empty or too long.
func (r *marginsReader) checkCell(column, s string) bool {
	switch {
	case s == "":
		r.add(r.line, column, surveys.CodeRequired, nil)
	case utf8.RuneCountInString(s) > maxMarginsCell:
		r.add(r.line, column, surveys.CodeTooLong, map[string]any{"Max": maxMarginsCell})
	default:
		return true
	}
	return false
}

// header looks for the header in a row above the data: the first row
// that names one of the columns. Rows above it (a title, a source) are
// skipped; a row that names some columns but not all is the header, and
// its missing columns are reported.
func (r *marginsReader) header(cells []string, undo func(string) string) error {
	cols := map[string]int{}
	blank := true
	var dups []string
	for i, c := range cells {
		name := strings.ToLower(strings.TrimSpace(undo(c)))
		if name == "" {
			continue
		}
		blank = false
		if !slices.Contains(marginsColumns, name) {
			continue
		}
		if _, dup := cols[name]; dup {
			dups = append(dups, name)
			continue
		}
		cols[name] = i
	}
	if len(cols) == 0 {
		if !blank && r.firstLine == 0 {
			r.firstLine = r.line
		}
		return nil
	}
	for _, name := range dups {
		r.add(r.line, name, surveys.CodeDuplicate, nil)
	}
	r.missingColumns(r.line, cols)
	if len(r.problems) > 0 {
		// Without its columns no row below can be read.
		return r.err()
	}
	r.cols = cols
	return nil
}

// missingColumns reports the columns a header row (line) lacks.
func (r *marginsReader) missingColumns(line int, cols map[string]int) {
	for _, name := range marginsColumns {
		if _, ok := cols[name]; !ok {
			r.add(line, name, CodeMarginsColumn, map[string]any{"Column": name})
		}
	}
}

// total reads a total cell, reporting a bad one.
func (r *marginsReader) total(s string, number bool) (totalKind, float64) {
	if s == "" {
		return totalBlank, 0
	}
	if isNotStated(s) {
		return totalNotStated, 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if !number || err != nil {
		var ok bool
		if v, ok = parseTotal(s); !ok {
			r.add(r.line, marginsColTotal, CodeMarginsTotal, map[string]any{"Value": s})
			return totalBad, 0
		}
	}
	if !(v >= 1 && v <= surveys.MaxPopulationTotal) { // also NaN
		// Margins.Frame checks the same; here the organiser learns the row.
		r.add(r.line, marginsColTotal, surveys.CodeOutOfRange, map[string]any{"Min": 1, "Max": int64(surveys.MaxPopulationTotal)})
		return totalBad, 0
	}
	return totalNumber, v
}

// isNotStated reports whether a total cell says "not stated" (or
// not_stated, not-stated, in any case).
func isNotStated(s string) bool {
	s = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return ' '
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(s), " ") == MarginsNotStated
}

// parseTotal reads a number as people write it in a spreadsheet of any
// locale. Spaces and apostrophes separate thousands (12 345, 12'345). A
// comma or point is a thousands separator where it is followed by
// groups of exactly three digits and can be nothing else (12,345,678;
// 12.345; 1,234.5); otherwise the last one is the decimal mark (12345.0,
// 12345,5). So "12,345" is twelve thousand three hundred and forty-five,
// as a total of people is in any locale, and a decimal part of exactly
// three digits needs the other mark for thousands (1,234.567) or more
// than three integer digits (1234.567). Anything else is refused rather
// than guessed: "1,23,456", "12.34.5", "1.234.567,8.9", letters.
func parseTotal(s string) (float64, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\'' || r == '\u2019' {
			return -1
		}
		if r == '\u2212' { // the minus sign, so a negative total is out of range, not unreadable
			return '-'
		}
		return r
	}, s)
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = "-", rest
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	if s == "" || strings.Trim(s, "0123456789.,") != "" {
		return 0, false
	}
	whole, frac, ok := splitTotal(s)
	if !ok || whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	if frac != "" {
		whole += "." + frac
	}
	v, err := strconv.ParseFloat(sign+whole, 64)
	return v, err == nil
}

// splitTotal splits a number of digits, commas and points into its whole
// part (thousands separators taken out) and its decimal part.
func splitTotal(s string) (whole, frac string, ok bool) {
	dot, comma := strings.Count(s, "."), strings.Count(s, ",")
	switch {
	case dot == 0 && comma == 0:
		return s, "", true
	case dot > 0 && comma > 0:
		// Both: the last is the decimal mark, once; the other groups.
		mark, group := ".", ","
		if strings.LastIndex(s, ",") > strings.LastIndex(s, ".") {
			mark, group = ",", "."
		}
		if strings.Count(s, mark) != 1 {
			return "", "", false
		}
		i := strings.LastIndex(s, mark)
		whole, ok = ungroup(s[:i], group)
		return whole, s[i+1:], ok
	}
	mark := "."
	if comma > 0 {
		mark = ","
	}
	if strings.Count(s, mark) > 1 {
		whole, ok = ungroup(s, mark)
		return whole, "", ok
	}
	i := strings.Index(s, mark)
	if grouped, ok := ungroup(s, mark); ok {
		return grouped, "", true
	}
	return s[:i], s[i+1:], true
}

// ungroup takes thousands separators out of s: one to three digits (not
// starting with 0), then groups of exactly three.
func ungroup(s, sep string) (string, bool) {
	parts := strings.Split(s, sep)
	if n := len(parts[0]); n < 1 || n > 3 || parts[0][0] == '0' {
		return "", false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return "", false
		}
	}
	return strings.Join(parts, ""), true
}

// margins makes the Margins of the rows read, or reports their problems.
func (r *marginsReader) margins(missing string) (*surveys.Margins, error) {
	if r.cols == nil {
		if r.firstLine == 0 {
			return nil, fmt.Errorf("%w: no row", ErrMalformedMarginsFile)
		}
		// Rows, but none names a column: the header is missing, or
		// its names are not the file's.
		r.missingColumns(r.firstLine, nil)
		return nil, r.err()
	}
	m := &surveys.Margins{Missing: missing}
	kept := 0
	for _, d := range r.dims {
		if !slices.ContainsFunc(d.rows, func(row marginsRow) bool { return row.kind != totalBlank }) {
			continue // every total empty: not a weighting dimension
		}
		if kept++; kept > surveys.MaxWeightingDimensions {
			r.add(d.rows[0].line, marginsColQuestion, surveys.CodeTooMany, map[string]any{"Max": surveys.MaxWeightingDimensions})
			continue
		}
		if len(d.rows) > surveys.MaxOptions {
			r.add(d.rows[surveys.MaxOptions].line, marginsColCode, surveys.CodeTooMany, map[string]any{"Max": surveys.MaxOptions})
			continue
		}
		dim := surveys.Dimension{Question: d.question, Totals: map[string]float64{}}
		for _, row := range d.rows {
			switch row.kind {
			case totalBlank:
				// Some totals of this question given, this one not: a
				// total forgotten, or a code meant as not stated.
				r.add(row.line, marginsColTotal, surveys.CodeRequired, nil)
			case totalNumber:
				dim.Totals[row.code] = row.total
			case totalNotStated:
				dim.NotStated = append(dim.NotStated, row.code)
			}
		}
		m.Dimensions = append(m.Dimensions, dim)
		r.kept = append(r.kept, d)
	}
	if kept == 0 && len(r.problems) == 0 {
		r.add(0, "", CodeMarginsEmpty, nil)
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// err is the problems found so far, in row order.
func (r *marginsReader) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	sort.SliceStable(r.problems, func(i, j int) bool { return r.problems[i].line < r.problems[j].line })
	out := make([]surveys.FieldError, len(r.problems))
	for i, p := range r.problems {
		out[i] = p.fe
	}
	return &surveys.ValidationError{Errors: out}
}

func (r *marginsReader) readCSV(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not UTF-8", ErrMalformedMarginsFile)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	// The separator from the first line with content: rows above the
	// header may be empty.
	cr.Comma = csvSeparator(bytes.TrimLeft(data, "\r\n"))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	text := func(int) bool { return false }
	end := 0 // the line the last record ended on
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedMarginsFile, err)
		}
		// encoding/csv skips empty lines, which a spreadsheet shows as
		// empty rows: count them, so that a problem's row is the one the
		// organiser sees.
		start, _ := cr.FieldPos(0)
		r.line += max(0, start-end-1)
		last, _ := cr.FieldPos(len(rec) - 1)
		end = last + strings.Count(rec[len(rec)-1], "\n")
		if err := r.next(rec, undefuse, text); err != nil {
			return err
		}
	}
}

func (r *marginsReader) readXLSX(data []byte) error {
	if err := checkMarginsWorkbook(data); err != nil {
		return err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxMarginsUnzipped, UnzipXMLSizeLimit: maxMarginsUnzipped})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedMarginsFile, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return fmt.Errorf("%w: no sheet", ErrMalformedMarginsFile)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedMarginsFile, err)
	}
	defer rows.Close()
	keep := func(s string) string { return s }
	// A number cell is read as its stored value, never as its formatted
	// text: "12345.5" whatever the cell's format and the reader's locale.
	isNumber := func(col int) bool {
		ref, err := excelize.CoordinatesToCellName(col+1, r.line)
		if err != nil {
			return false
		}
		t, err := f.GetCellType(sheets[0], ref)
		return err == nil && (t == excelize.CellTypeUnset || t == excelize.CellTypeNumber)
	}
	for rows.Next() {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedMarginsFile, err)
		}
		if err := r.next(cells, keep, isNumber); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedMarginsFile, err)
	}
	return nil
}

// checkMarginsWorkbook refuses, before excelize reads it, a workbook that
// is a legacy .xls, not a zip file, or larger than a population totals
// file can be (marginsParts).
func checkMarginsWorkbook(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) { // a legacy .xls (OLE2) workbook
		return fmt.Errorf("%w: a legacy .xls workbook", ErrMarginsFileType)
	}
	var rows *xlsform.ErrTooManyRowElements
	switch err := xlsform.CheckParts(data, marginsParts); {
	case errors.As(err, &rows):
		return tooManyRows()
	case errors.Is(err, xlsform.ErrTooLarge):
		return ErrMarginsFileTooLarge
	case err != nil:
		return fmt.Errorf("%w: %v", ErrMalformedMarginsFile, err)
	}
	return nil
}

// MarginsSheet is what a population totals template says besides the
// rows: its labels' language and the instructions in the organiser's.
type MarginsSheet struct {
	// Title names the workbook (its properties).
	Title string
	// Language is the language of the options' labels, one of the
	// survey's.
	Language string
	// Sheet and InstructionsSheet name the two sheets of the workbook.
	Sheet, InstructionsSheet string
	// Instructions are the lines of the instructions sheet.
	Instructions []string
	// LabelsRTL and InstructionsRTL: the labels and the instructions are
	// written right to left.
	LabelsRTL, InstructionsRTL bool
}

// NewMarginsSheet is what the population totals template of def says
// besides its rows, in the server language ui: the labels in ui where the
// survey has it, else in its default language.
func NewMarginsSheet(cat *i18n.Catalog, def *surveys.Definition, ui string) MarginsSheet {
	lang := def.DefaultLanguage
	if slices.Contains(def.Languages, ui) {
		lang = ui
	}
	sheet := cat.Message(ui, "margins.sheet", nil)
	data := map[string]any{
		"Survey": def.Title.In(lang, def.DefaultLanguage), "Sheet": sheet, "NotStated": MarginsNotStated,
		"Max": surveys.MaxWeightingDimensions, "Question": marginsColQuestion, "Code": marginsColCode,
		"Label": marginsColLabel, "Total": marginsColTotal,
	}
	var notes []string
	for _, id := range []string{"title", "rows", "total", "not_stated", "population", "leave_out", "upload"} {
		notes = append(notes, cat.Message(ui, "margins.instructions."+id, data))
	}
	return MarginsSheet{
		Title: def.Title.In(lang, def.DefaultLanguage), Language: lang,
		Sheet: sheet, InstructionsSheet: cat.Message(ui, "margins.instructions_sheet", nil),
		Instructions: notes,
		LabelsRTL:    i18n.Direction(lang) == "rtl", InstructionsRTL: i18n.Direction(ui) == "rtl",
	}
}

// templateRow is one row of a population totals template.
type templateRow struct {
	question, code, label string
	kind                  totalKind
	total                 float64
}

// marginsTemplateRows are the rows of def's template: every option of
// every breakdown question (single choice, breakdown: true), the
// questions of m first in m's order and then the others in the survey's,
// each total from m where m has it (empty otherwise). A question or code
// of m that is not a breakdown question's or option is not written: the
// template is of the survey as it is.
func marginsTemplateRows(def *surveys.Definition, m *surveys.Margins, lang string) []templateRow {
	var order []*surveys.Question
	dims := map[string]*surveys.Dimension{}
	if m != nil {
		for i := range m.Dimensions {
			d := &m.Dimensions[i]
			if q := def.Question(d.Question); q != nil && isBreakdown(q) && dims[q.ID] == nil {
				dims[q.ID] = d
				order = append(order, q)
			}
		}
	}
	for _, q := range def.Questions() {
		if isBreakdown(q) && dims[q.ID] == nil {
			order = append(order, q)
		}
	}
	var out []templateRow
	for _, q := range order {
		d := dims[q.ID]
		for _, o := range q.Options {
			row := templateRow{question: q.ID, code: o.Code, label: o.Label.In(lang, def.DefaultLanguage)}
			if d != nil {
				if v, ok := d.Totals[o.Code]; ok {
					row.kind, row.total = totalNumber, v
				} else if slices.Contains(d.NotStated, o.Code) {
					row.kind = totalNotStated
				}
			}
			out = append(out, row)
		}
	}
	return out
}

// isBreakdown reports whether q can be a weighting dimension.
func isBreakdown(q *surveys.Question) bool {
	return q.Type == surveys.SingleChoice && q.Breakdown
}

// formatTotal writes a total as ReadMargins reads it back: a decimal part
// of exactly three digits after one to three digits would read as
// thousands (12.345), so it gets a fourth, zero digit (12.3450).
func formatTotal(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if _, ok := ungroup(s, "."); ok {
		s += "0"
	}
	return s
}

// WriteMarginsTemplate writes the population totals file of def to fill
// in, in format (MarginsCSV or MarginsXLSX): a header row (question,
// code, label, total) and one row per option of each breakdown question,
// its label in sh.Language and its total from m (the current margins),
// or empty when m is nil. ReadMargins reads it back as m. CSV is UTF-8
// with a byte order mark, labels and codes a spreadsheet could take for a
// formula defused; XLSX has a frozen header row, number cells for the
// totals and an instructions sheet.
func WriteMarginsTemplate(w io.Writer, format string, def *surveys.Definition, m *surveys.Margins, sh MarginsSheet) error {
	rows := marginsTemplateRows(def, m, sh.Language)
	switch format {
	case MarginsCSV:
		return writeMarginsCSV(w, rows)
	case MarginsXLSX:
		return writeMarginsXLSX(w, rows, sh)
	}
	return ErrMarginsFileType
}

var marginsHeader = []string{marginsColQuestion, marginsColCode, marginsColLabel, marginsColTotal}

func writeMarginsCSV(w io.Writer, rows []templateRow) error {
	bw := &errWriter{w: w}
	_, _ = io.WriteString(bw, "\ufeff")
	cw := csv.NewWriter(bw)
	_ = cw.Write(marginsHeader)
	for _, row := range rows {
		total := ""
		switch row.kind {
		case totalNumber:
			total = formatTotal(row.total)
		case totalNotStated:
			total = MarginsNotStated
		}
		_ = cw.Write([]string{defuse(row.question), defuse(row.code), defuse(row.label), total})
	}
	cw.Flush()
	if bw.err != nil {
		return bw.err
	}
	return cw.Error()
}

// marginsStyles are the cell styles of a population totals workbook.
type marginsStyles struct {
	header, id, label, total, note, title int
}

func newMarginsStyles(f *excelize.File, sh MarginsSheet) (marginsStyles, error) {
	var st marginsStyles
	order := func(rtl bool) uint64 { // 1 left to right, 2 right to left
		if rtl {
			return 2
		}
		return 1
	}
	grey := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: grey,
			Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}}},
		// The question and code say which row is which: greyed, to be
		// left as they are.
		{&st.id, excelize.Style{Font: &excelize.Font{Color: "595959"}, Fill: grey, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.label, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true, ReadingOrder: order(sh.LabelsRTL)}}},
		{&st.total, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "right"}}},
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, ReadingOrder: order(sh.InstructionsRTL)}}},
		{&st.note, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true, ReadingOrder: order(sh.InstructionsRTL)}}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

func writeMarginsXLSX(w io.Writer, rows []templateRow, sh MarginsSheet) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	st, err := newMarginsStyles(f, sh)
	if err != nil {
		return err
	}
	main, notes := sheetName(sh.Sheet, "Totals"), sheetName(sh.InstructionsSheet, "Instructions")
	if notes == main {
		notes = "Instructions"
	}
	if err := f.SetSheetName(f.GetSheetName(0), main); err != nil {
		return err
	}
	if _, err := f.NewSheet(notes); err != nil {
		return err
	}
	// Sheet views are set before streaming (as for a translator's file).
	rtl := sh.InstructionsRTL
	if err := f.SetSheetView(notes, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
		return err
	}
	if err := writeMarginsSheet(f, main, rows, st); err != nil {
		return err
	}
	if err := writeMarginsNotes(f, notes, sh, st); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: sh.Title, Language: sh.Language, Creator: "YouthVoice"}); err != nil {
		return err
	}
	return f.Write(w)
}

func writeMarginsSheet(f *excelize.File, name string, rows []templateRow, st marginsStyles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, width := range []float64{20, 16, 40, 16} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "D2", ActiveCell: "D2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	header := make([]any, len(marginsHeader))
	for i, h := range marginsHeader {
		header[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, row := range rows {
		ref, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		total := excelize.Cell{StyleID: st.total}
		switch row.kind {
		case totalNumber:
			total.Value = row.total
		case totalNotStated:
			total.Value = MarginsNotStated
		}
		if err := sw.SetRow(ref, []any{
			excelize.Cell{StyleID: st.id, Value: row.question},
			excelize.Cell{StyleID: st.id, Value: row.code},
			excelize.Cell{StyleID: st.label, Value: row.label},
			total,
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeMarginsNotes(f *excelize.File, name string, sh MarginsSheet, st marginsStyles) error {
	return writeLinesSheet(f, name, sh.Instructions, st.title, st.note)
}
