package xlsform

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// The first bytes of the files Read tells apart.
var (
	oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipSignature = []byte("PK\x03\x04")
)

// Read converts an XLSForm workbook into a survey definition. size is the
// length the caller was told (a Content-Length; -1 when unknown); a larger
// one, or a body longer than MaxWorkbookBytes, is ErrTooLarge. A legacy .xls
// is ErrLegacyXLS, anything else that is not an .xlsx ErrNotWorkbook. A
// workbook that cannot be converted is an *Error listing every problem;
// otherwise the definition is whole and valid (surveys' Validate).
func Read(r io.Reader, size int64) (*Result, error) { return ReadWith(r, size, Options{}) }

// Options adjust ReadWith.
type Options struct {
	// DefaultSupport are the organisation's default support resources. A
	// workbook that names none takes them, kept to its languages, before
	// it is validated, as a survey created from JSON does (so a sensitive
	// survey, which needs support resources, imports like it creates).
	DefaultSupport []surveys.SupportResource
}

// ReadWith is Read with options.
func ReadWith(r io.Reader, size int64, opts Options) (*Result, error) {
	if size > MaxWorkbookBytes {
		return nil, ErrTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxWorkbookBytes+1))
	if err != nil {
		return nil, fmt.Errorf("xlsform: read the workbook: %w", err)
	}
	if len(b) > MaxWorkbookBytes {
		return nil, ErrTooLarge
	}
	switch {
	case bytes.HasPrefix(b, oleSignature):
		// An OLE2 compound file is a legacy .xls (or an encrypted .xlsx,
		// which cannot be read without its password either).
		return nil, ErrLegacyXLS
	case !bytes.HasPrefix(b, zipSignature):
		return nil, ErrNotWorkbook
	}
	if err := checkParts(b); err != nil {
		return nil, err
	}
	wb, err := openWorkbook(b)
	if err != nil {
		return nil, err
	}
	return convert(wb, opts)
}

// sheetNames maps each worksheet's part ("xl/worksheets/sheet2.xml") to
// its sheet's name, from the workbook and its relationships, for a
// problem to name the sheet; what cannot be read is left out.
func sheetNames(zr *zip.Reader) map[string]string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	out := map[string]string{}
	if decodePart(zr, "xl/workbook.xml", &wb) != nil || decodePart(zr, "xl/_rels/workbook.xml.rels", &rels) != nil {
		return out
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := strings.TrimPrefix(r.Target, "/")
		if !strings.HasPrefix(t, "xl/") {
			t = "xl/" + t
		}
		targets[r.ID] = t
	}
	for _, s := range wb.Sheets {
		out[targets[s.ID]] = s.Name
	}
	return out
}

// decodePart decodes a small XML part of the workbook (at most 1 MiB).
func decodePart(zr *zip.Reader, name string, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return xml.NewDecoder(io.LimitReader(f, 1<<20)).Decode(v)
}

// sheet is one sheet as read: its header row and its data rows, every
// cell trimmed.
type sheet struct {
	name      string // as written in the file
	headerRow int    // 1-based
	headers   []string
	rows      []row
}

// row is one non-empty data row.
type row struct {
	n     int // 1-based spreadsheet row
	cells []string
}

// cell is the row's cell under column i, "" when the row is shorter.
func (r *row) cell(i int) string {
	if i < 0 || i >= len(r.cells) {
		return ""
	}
	return r.cells[i]
}

// workbook holds the sheets Read uses, and the problems met reading them.
type workbook struct {
	survey, choices, settings, support *sheet
	problems                           []Problem
}

// Sheet names Read knows, lower-cased: XLSForm's sheet names are read in
// any letter case.
const (
	sheetSurvey   = "survey"
	sheetChoices  = "choices"
	sheetSettings = "settings"
	sheetSupport  = "youthvoice_support"
)

// openWorkbook opens the workbook with bounded unzipping and reads the
// sheets Read uses. excelize reads hostile bytes; should it panic on one,
// the file is reported as not a workbook rather than taking the process
// down.
func openWorkbook(b []byte) (wb *workbook, err error) {
	defer func() {
		if recover() != nil {
			wb, err = nil, ErrNotWorkbook
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{
		UnzipSizeLimit:    maxUnzipBytes,
		UnzipXMLSizeLimit: maxUnzipXMLBytes,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, ErrTooLarge
		}
		return nil, ErrNotWorkbook
	}
	defer func() { _ = f.Close() }()
	wb = &workbook{}
	names := f.GetSheetList()
	if len(names) > maxSheets {
		wb.problems = append(wb.problems, Problem{Code: CodeTooManySheets, Params: map[string]any{"Max": maxSheets}})
		return wb, nil
	}
	budget := maxCells
	for _, name := range names {
		var dst **sheet
		switch strings.ToLower(strings.TrimSpace(name)) {
		case sheetSurvey:
			dst = &wb.survey
		case sheetChoices:
			dst = &wb.choices
		case sheetSettings:
			dst = &wb.settings
		case sheetSupport:
			dst = &wb.support
		default:
			continue // other sheets (notes, external_choices...) are not read
		}
		if *dst != nil {
			continue // the first of two sheets that differ only in case
		}
		s, err := wb.readSheet(f, name, &budget)
		if err != nil {
			return nil, err
		}
		*dst = s
	}
	return wb, nil
}

// readSheet reads one sheet row by row (excelize's streaming reader),
// within the bounds on rows, columns, cells and cell length: past a bound
// it stops and records one problem.
func (wb *workbook) readSheet(f *excelize.File, name string, budget *int) (*sheet, error) {
	rows, err := f.Rows(name)
	if err != nil {
		if errors.Is(err, excelize.ErrSheetNotExist{SheetName: name}) {
			return nil, nil
		}
		return nil, ErrNotWorkbook
	}
	defer func() { _ = rows.Close() }()
	s := &sheet{name: name}
	n, wide := 0, false
	for rows.Next() {
		n++
		cols, err := rows.Columns()
		if err != nil {
			return nil, ErrNotWorkbook
		}
		if !nonEmpty(cols) {
			// Empty rows cost no memory; excelize stops at the sheet's
			// last possible row (1,048,576), and the XML holding them is
			// bounded by maxUnzipBytes. Spreadsheets often format whole
			// columns, down to that last row.
			continue
		}
		if n > maxRows {
			wb.sheetProblem(s, CodeTooManyRows, maxRows)
			return s, nil
		}
		if len(cols) > maxColumns {
			if nonEmpty(cols[maxColumns:]) && !wide {
				wb.sheetProblem(s, CodeTooManyColumns, maxColumns)
				wide = true
			}
			cols = cols[:maxColumns]
		}
		if !wb.cells(s, n, cols, budget) {
			return s, nil
		}
		if s.headers == nil {
			s.headerRow, s.headers = n, cols
			continue
		}
		s.rows = append(s.rows, row{n: n, cells: cols})
	}
	if rows.Error() != nil {
		return nil, ErrNotWorkbook
	}
	return s, nil
}

// cells trims a row's cells, counts them against the workbook's budget
// and blanks those that are too long, each with a problem. It reports
// false when the budget is spent.
func (wb *workbook) cells(s *sheet, n int, cols []string, budget *int) bool {
	for i, c := range cols {
		c = strings.TrimSpace(c)
		cols[i] = c
		if c == "" {
			continue
		}
		*budget--
		if *budget < 0 {
			wb.sheetProblem(s, CodeTooManyCells, maxCells)
			return false
		}
		if utf8.RuneCountInString(c) > maxCellRunes {
			col := ""
			if s.headers != nil && i < len(s.headers) {
				col = s.headers[i]
			}
			wb.problems = append(wb.problems, Problem{Sheet: s.name, Row: n, Column: col, Cell: cut(c),
				Code: CodeCellTooLong, Params: map[string]any{"Max": maxCellRunes}})
			cols[i] = ""
		}
	}
	return true
}

func (wb *workbook) sheetProblem(s *sheet, code Code, most int) {
	wb.problems = append(wb.problems, Problem{Sheet: s.name, Code: code, Params: map[string]any{"Max": most}})
}

func nonEmpty(cols []string) bool {
	for _, c := range cols {
		if strings.TrimSpace(c) != "" {
			return true
		}
	}
	return false
}
