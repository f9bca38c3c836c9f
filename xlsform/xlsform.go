// Package xlsform converts between survey definitions and XLSForm
// workbooks (https://xlsform.org), the spreadsheet format of ODK,
// KoboToolbox, Ona and SurveyCTO, so that organisers can design and
// translate surveys in a spreadsheet.
//
// Read takes a workbook from outside (an upload): its cost is bounded
// (compressed and uncompressed size, sheets, rows, columns, cells), it never
// panics, and it gives either a whole definition that surveys' own
// validation accepts or an *Error listing every problem by sheet, row and
// column, never half a survey. Write writes a definition as a workbook that
// Read converts back into the same definition; what XLSForm has no column
// for is kept in columns and sheets named youthvoice (docs/surveys.md,
// "XLSForm").
//
// The package imports surveys and excelize only: no web framework, no
// database driver.
package xlsform

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/youthvoice/youthvoice/surveys"
)

// MaxWorkbookBytes bounds an uploaded workbook (compressed); Read refuses
// a larger one with ErrTooLarge. The largest real XLSForm among the test
// forms is 200 KB; a survey of 200 questions in 20 languages is far below.
const MaxWorkbookBytes = 5 << 20

// Bounds of what Read reads from one workbook. Each keeps one upload's
// memory and time small whatever the file claims (excelize's own default
// unzip limit is 16 GB).
const (
	// maxUnzipBytes bounds the sum of the workbook's uncompressed parts,
	// maxUnzipXMLBytes one part held in memory: the same, so that no
	// worksheet is written to a temporary file first. A survey of 200
	// questions in 20 languages is about 2 MB of XML.
	maxUnzipBytes    = 16 << 20
	maxUnzipXMLBytes = 16 << 20
	// maxSheets bounds the sheets of a workbook.
	maxSheets = 32
	// maxRows bounds the rows read from one sheet: a survey has at most
	// 200 questions, plus groups, notes and metadata rows; the choices of
	// 200 questions of 60 options are 12,000 rows.
	maxRows = 15000
	// maxRowElements bounds the row elements of one worksheet, empty ones
	// included: a spreadsheet writes one for each formatted row, down to
	// the 65,536 rows of an old .xls converted to .xlsx.
	maxRowElements = 70000
	// maxColumns bounds the columns read from one sheet (a text column per
	// language for each of about ten texts, 20 languages).
	maxColumns = 400
	// maxCells bounds the non-empty cells of the whole workbook.
	maxCells = 400000
	// maxCellRunes bounds one cell: the longest text of a definition is
	// 8000 characters.
	maxCellRunes = 10000
	// maxProblems bounds the problems, and the warnings, listed: more
	// than anyone reads, and one entry then says how many more there are
	// (a workbook of 400,000 cells could otherwise give as many).
	maxProblems = 1000
	// cellShown is how much of a cell a Problem quotes.
	cellShown = 200
)

// Errors of a file that is not an XLSForm workbook at all.
var (
	// ErrLegacyXLS: an Excel 97-2003 .xls file (OLE2 compound file);
	// save it as .xlsx.
	ErrLegacyXLS = errors.New("xlsform: a legacy .xls workbook: save it as .xlsx")
	// ErrNotWorkbook: not an .xlsx workbook (or a damaged one).
	ErrNotWorkbook = errors.New("xlsform: not an .xlsx workbook")
	// ErrTooLarge: the workbook is larger than MaxWorkbookBytes, or
	// uncompresses to more than Read reads.
	ErrTooLarge = errors.New("xlsform: the workbook is too large")
)

// Result is a converted workbook.
type Result struct {
	Definition surveys.Definition
	// Warnings are things converted with a loss or a guess (a hint
	// dropped, an appearance ignored, a metadata row not collected).
	Warnings []Problem
}

// Problem is one cell's (or row's, or sheet's) problem, for a person fixing
// the spreadsheet.
type Problem struct {
	// Sheet is the sheet's name as written in the file ("survey",
	// "Choices", "settings").
	Sheet string
	// Row is the 1-based spreadsheet row; 0 for a whole sheet.
	Row int
	// Column is the header as written ("type", "label::English (en)"); ""
	// for a whole row or sheet.
	Column string
	// Cell is the cell's text, cut to 200 characters.
	Cell string
	// Code is a message id ("field.<code>" in i18n/locales) with Params.
	Code   surveys.Code
	Params map[string]any
}

// Error lists every problem that keeps a workbook from becoming a
// definition.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, fmt.Sprintf("%s row %d %s: %s", p.Sheet, p.Row, p.Column, p.Code))
	}
	return "xlsform: " + strings.Join(parts, "; ")
}

// FieldErrors gives the problems as field errors with the pointer
// /<sheet>/<row>/<column> (/<sheet>/<row> for a row, /<sheet> for a
// sheet, "" for the whole workbook) and Params holding Sheet, Row, Column and Cell besides the
// problem's own, so that the API maps *Error like any validation error.
func (e *Error) FieldErrors() []surveys.FieldError {
	out := make([]surveys.FieldError, 0, len(e.Problems))
	for _, p := range e.Problems {
		out = append(out, p.FieldError())
	}
	return out
}

// FieldError is the problem as a field error (see Error.FieldErrors).
func (p Problem) FieldError() surveys.FieldError {
	params := map[string]any{"Sheet": p.Sheet, "Row": p.Row, "Column": p.Column, "Cell": p.Cell}
	for k, v := range p.Params {
		params[k] = v
	}
	var ptr string // "" for the whole workbook (too many sheets)
	switch {
	case p.Sheet == "":
	case p.Row == 0:
		ptr = surveys.Pointer(p.Sheet)
	case p.Column == "":
		ptr = surveys.Pointer(p.Sheet, p.Row)
	default:
		ptr = surveys.Pointer(p.Sheet, p.Row, p.Column)
	}
	return surveys.FieldError{Pointer: ptr, Code: p.Code, Params: params}
}

// cut shortens a cell's text for a Problem.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= cellShown {
		return s
	}
	r := []rune(s)
	return string(r[:cellShown]) + "…"
}
