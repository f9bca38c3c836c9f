package xlsform

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"strings"
)

// PartLimits bound the XML of a workbook's parts, checked by CheckParts
// before excelize reads any. The unzipped size alone does not bound the
// cost: excelize decodes the styles, the theme, the calculation chain,
// the workbook and the shared strings whole into Go values of a few
// hundred bytes per element, and streams the worksheets at about a
// microsecond per element, so 16 MiB of "<xf/>" or "<si/>" (a 20 KB
// zip file) held 600 MB and took 6 seconds.
type PartLimits struct {
	// Parts bounds the zip file's entries.
	Parts int
	// Unzipped bounds the sum of the parts' uncompressed sizes.
	Unzipped int64
	// Elements bounds the XML elements of all parts together.
	Elements int
	// Decoded bounds the elements of the parts excelize decodes whole,
	// all but worksheets and shared strings, together.
	Decoded int
	// SharedStrings bounds the shared strings' items (si elements); the
	// elements of the shared strings beyond an si and a t per item count
	// against Decoded.
	SharedStrings int
	// RowElements bounds the row elements of one part, empty ones too.
	RowElements int
}

// ErrTooManyRowElements is what CheckParts answers for a part with more
// than PartLimits.RowElements row elements.
type ErrTooManyRowElements struct {
	Part string // the part's name in the zip file
}

func (e *ErrTooManyRowElements) Error() string {
	return "xlsform: too many rows in " + e.Part
}

// readLimits are Read's own.
var readLimits = PartLimits{
	Parts:         1000,
	Unzipped:      maxUnzipBytes,
	Elements:      maxElements,
	Decoded:       maxDecodedElements,
	SharedStrings: maxCells,
	RowElements:   maxRowElements,
}

// Bounds on a workbook's XML elements (PartLimits). Each element of a
// cell (c, v or is and t) is one; a workbook of maxCells cells, their
// rows and shared strings stays under maxElements, and the largest
// styles written by Excel or LibreOffice for a form have a few thousand.
const (
	maxElements        = 2000000
	maxDecodedElements = 100000
)

// checkParts is CheckParts with Read's limits, a worksheet of too many
// rows named in its problem.
func checkParts(b []byte) error {
	err := CheckParts(b, readLimits)
	var rows *ErrTooManyRowElements
	if errors.As(err, &rows) {
		zr, zerr := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if zerr != nil {
			return ErrNotWorkbook
		}
		return &Error{Problems: []Problem{{Sheet: sheetNames(zr)[rows.Part], Code: CodeTooManyRows, Params: map[string]any{"Max": maxRows}}}}
	}
	return err
}

// CheckParts refuses a workbook (b, a zip file) whose parts exceed l,
// before excelize reads it: ErrNotWorkbook when it is not a zip file or a
// part cannot be read, ErrTooLarge past a bound, *ErrTooManyRowElements
// for a part of too many rows. Every part is read once, as a stream, and
// counted whatever its name: the worksheets are found through the
// workbook's relationships, so a sheet can be stored under any name.
func CheckParts(b []byte, l PartLimits) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return ErrNotWorkbook
	}
	if len(zr.File) > l.Parts {
		return ErrTooLarge
	}
	sheets := worksheetParts(zr)
	budget := l.Unzipped
	elements, decoded := 0, 0
	for _, f := range zr.File {
		if f.UncompressedSize64 > uint64(budget) {
			return ErrTooLarge
		}
		rc, err := f.Open()
		if err != nil {
			return ErrNotWorkbook
		}
		c, err := countElements(io.LimitReader(rc, budget+1))
		_ = rc.Close()
		budget -= c.read
		elements += c.elements
		switch {
		case err != nil:
			return ErrNotWorkbook
		case c.rows > l.RowElements: // the more telling of the two
			return &ErrTooManyRowElements{Part: f.Name}
		case budget < 0, elements > l.Elements:
			return ErrTooLarge
		case f.Name == "xl/sharedStrings.xml":
			// An item (si) and its text (t) are bounded by SharedStrings;
			// anything more (rich text runs and their properties, which
			// excelize decodes whole too) counts with the decoded parts.
			if c.items > l.SharedStrings {
				return ErrTooLarge
			}
			if decoded += max(0, c.elements-2*c.items); decoded > l.Decoded {
				return ErrTooLarge
			}
		case !sheets[f.Name]:
			if decoded += c.elements; decoded > l.Decoded {
				return ErrTooLarge
			}
		}
	}
	return nil
}

// decodedWhole are the parts (or folders) excelize reads by fixed names and
// decodes whole; none of them is taken for a worksheet, whatever the
// relationships say.
var decodedWhole = []string{"[Content_Types].xml", "_rels/", "docProps/", "xl/_rels/", "xl/styles.xml",
	"xl/theme/", "xl/calcChain.xml", "xl/sharedStrings.xml", "xl/metadata.xml", "xl/richData/",
	"xl/cellimages.xml", "xl/volatileDependencies.xml", "xl/workbook.xml"}

// worksheetParts are the parts the workbook's relationships name as
// worksheets, resolved as excelize resolves them (relative to the
// workbook's folder, or absolute with a leading slash), but for those
// excelize decodes whole. What cannot be read is left out: such a part
// then counts as decoded whole, the stricter bound.
func worksheetParts(zr *zip.Reader) map[string]bool {
	var root, wbRels struct {
		Rels []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	out := map[string]bool{}
	wb := "xl/workbook.xml"
	if decodePart(zr, "_rels/.rels", &root) == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wb = strings.TrimPrefix(r.Target, "/")
				break
			}
		}
	}
	dir := path.Dir(wb)
	if decodePart(zr, path.Join(dir, "_rels", path.Base(wb)+".rels"), &wbRels) != nil {
		return out
	}
	for _, r := range wbRels.Rels {
		if !strings.HasSuffix(r.Type, "/worksheet") {
			continue
		}
		t := path.Clean(path.Join(dir, r.Target))
		if strings.HasPrefix(r.Target, "/") {
			t = path.Clean(strings.TrimPrefix(r.Target, "/"))
		}
		if t == wb || strings.HasPrefix(t, "_rels/") || strings.Contains(t, "/_rels/") {
			continue
		}
		whole := false
		for _, p := range decodedWhole {
			if t == p || strings.HasSuffix(p, "/") && strings.HasPrefix(t, p) {
				whole = true
			}
		}
		if !whole {
			out[t] = true
		}
	}
	return out
}

// partCount is what countElements found in one part.
type partCount struct {
	read     int64 // bytes
	elements int   // start tags (<name ...> and <name/>)
	rows     int   // row elements (row in any namespace prefix)
	items    int   // shared string items (si in any namespace prefix)
}

// nameLookahead is how far past a '<' countElements looks for the local
// name it compares: a prefix and "row" or "si" and the byte after them.
const nameLookahead = 64

// countElements counts the start tags of an XML part, as bytes: a '<'
// followed by a name's first character (a letter, '_' or any byte of a
// non-ASCII letter) starts one; '</', '<?' and '<!' do not. Text and
// attribute values cannot hold a raw '<', so only comments and CDATA
// sections can make the count larger than the elements, never smaller. A
// part that is not XML at all (a picture) is counted the same way, about
// one element per kilobyte.
func countElements(r io.Reader) (partCount, error) {
	var c partCount
	buf := make([]byte, 64<<10)
	chunk := make([]byte, 0, len(buf)+nameLookahead)
	for {
		n, rerr := r.Read(buf)
		c.read += int64(n)
		chunk = append(chunk, buf[:n]...)
		end := len(chunk)
		if rerr == nil {
			end -= nameLookahead // the rest waits for the next read
		}
		i := 0
		for ; i < end; i++ {
			if chunk[i] != '<' || i+1 >= len(chunk) || !nameStart(chunk[i+1]) {
				continue
			}
			c.elements++
			switch name := localName(chunk[i+1:]); {
			case string(name) == "row":
				c.rows++
			case string(name) == "si":
				c.items++
			}
		}
		if i > 0 {
			chunk = append(chunk[:0], chunk[i:]...)
		}
		if rerr == io.EOF {
			return c, nil
		}
		if rerr != nil {
			return c, rerr
		}
	}
}

func nameStart(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b >= 0x80
}

// localName is the local part of the name at the start of b ("row" of
// "x:row ..."), as far as nameLookahead bytes show it.
func localName(b []byte) []byte {
	start := 0
	for i := 0; i < len(b) && i < nameLookahead; i++ {
		switch ch := b[i]; {
		case ch == ':':
			start = i + 1
		case ch == ' ' || ch == '>' || ch == '/' || ch == '\t' || ch == '\n' || ch == '\r':
			return b[start:i]
		}
	}
	return nil
}
