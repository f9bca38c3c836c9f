package xlsform

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// rezip copies a workbook built by workbookBytes part by part: edit may
// change a part's content (nil drops it) and rename its name; add
// appends parts written by their functions. The way to make the hostile
// workbooks no spreadsheet program writes.
func rezip(t testing.TB, base []byte, edit func(name string, content []byte) []byte, rename map[string]string, add map[string]func(io.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(name string, gen func(io.Writer)) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		gen(w)
	}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			if c = edit(f.Name, c); c == nil {
				continue
			}
		}
		name := f.Name
		if n, ok := rename[name]; ok {
			name = n
		}
		write(name, func(w io.Writer) { _, _ = w.Write(c) })
	}
	for name, gen := range add {
		write(name, gen)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replacePart is an edit that drops the part called name (to be added
// again by rezip's add) and keeps the others.
func replacePart(name string) func(string, []byte) []byte {
	return func(n string, c []byte) []byte {
		if n == name {
			return nil
		}
		return c
	}
}

// repeated writes head, n times item, then tail.
func repeated(head, item string, n int, tail string) func(io.Writer) {
	return func(w io.Writer) {
		_, _ = io.WriteString(w, head)
		chunk := strings.Repeat(item, 1000)
		n := n
		for ; n >= 1000; n -= 1000 {
			_, _ = io.WriteString(w, chunk)
		}
		_, _ = io.WriteString(w, strings.Repeat(item, n)+tail)
	}
}

const mainNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`

// millionRowsPart is a worksheet part of a million empty rows after the
// header.
var millionRowsPart = repeated(`<?xml version="1.0" encoding="UTF-8"?><worksheet `+mainNS+`><sheetData>`+headerXML,
	`<row/>`, 1000000, `</sheetData></worksheet>`)

// TestHostilePartsAreRefusedCheaply: every part excelize decodes whole or
// streams is bounded by its elements, not only by its unpacked size, and
// a worksheet is found wherever the workbook's relationships put it.
// Before CheckParts, the shared strings' case held 618 MB and took 6 s
// (their rich text runs, counted only by items at first, 1 GB and 7 s),
// the styles' 596 MB and 6 s, the theme's 207 MB, the calculation
// chain's 197 MB, four million empty cells took 4.4 s, and a worksheet
// stored outside xl/worksheets/ (or named .XML) escaped the row count
// (222 MB allocated, 2 s): each from a zip file of 10 to 30 KB.
func TestHostilePartsAreRefusedCheaply(t *testing.T) {
	base := workbookBytes(t, surveySheet([]string{"type", "name", "label"}, []string{"text", "q", "Q?"}))
	const sheet = "xl/worksheets/sheet2.xml" // workbookBytes's survey sheet
	if !bytes.Contains(rezip(t, base, func(n string, c []byte) []byte {
		if n == "xl/_rels/workbook.xml.rels" {
			return c
		}
		return []byte{}
	}, nil, nil), []byte("worksheets/sheet2.xml")) {
		t.Fatalf("the survey sheet is no longer %s", sheet)
	}
	moveSheet := func(to string) []byte {
		return rezip(t, base, func(n string, c []byte) []byte {
			if n == sheet {
				return nil
			}
			return bytes.ReplaceAll(c, []byte(strings.TrimPrefix(sheet, "xl/")), []byte(strings.TrimPrefix(to, "xl/")))
		}, nil, map[string]func(io.Writer){to: millionRowsPart})
	}
	tooLarge := func(_ *Result, err error) bool { return errors.Is(err, ErrTooLarge) }
	tooManyRows := func(_ *Result, err error) bool {
		var e *Error
		return errors.As(err, &e) && len(e.Problems) == 1 && e.Problems[0].Code == CodeTooManyRows && e.Problems[0].Sheet == "survey"
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want func(*Result, error) bool
	}{
		{"3,000,000 empty shared strings", rezip(t, base, replacePart("xl/sharedStrings.xml"), nil, map[string]func(io.Writer){
			"xl/sharedStrings.xml": repeated(`<?xml version="1.0" encoding="UTF-8"?><sst `+mainNS+`>`, `<si/>`, 3000000, `</sst>`)}), tooLarge},
		{"1,900,000 rich text runs in one shared string", rezip(t, base, replacePart("xl/sharedStrings.xml"), nil, map[string]func(io.Writer){
			"xl/sharedStrings.xml": repeated(`<?xml version="1.0" encoding="UTF-8"?><sst `+mainNS+`><si><t>type</t></si><si>`, `<r/>`, 1900000, `</si></sst>`)}), tooLarge},
		{"1,500,000 cell formats", rezip(t, base, replacePart("xl/styles.xml"), nil, map[string]func(io.Writer){
			"xl/styles.xml": repeated(`<?xml version="1.0" encoding="UTF-8"?><styleSheet `+mainNS+`><cellXfs>`, `<xf/>`, 1500000, `</cellXfs></styleSheet>`)}), tooLarge},
		{"1,500,000 theme fonts", rezip(t, base, replacePart("xl/theme/theme1.xml"), nil, map[string]func(io.Writer){
			"xl/theme/theme1.xml": repeated(`<?xml version="1.0" encoding="UTF-8"?><a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="x"><a:themeElements><a:fontScheme name="x"><a:majorFont>`,
				`<a:font/>`, 1500000, `</a:majorFont></a:fontScheme></a:themeElements></a:theme>`)}), tooLarge},
		{"1,500,000 calculation chain cells", rezip(t, base, nil, nil, map[string]func(io.Writer){
			"xl/calcChain.xml": repeated(`<?xml version="1.0" encoding="UTF-8"?><calcChain `+mainNS+`>`, `<c/>`, 1500000, `</calcChain>`)}), tooLarge},
		{"a workbook nested a million deep", rezip(t, base, func(n string, c []byte) []byte {
			if n == "xl/workbook.xml" {
				return bytes.Replace(c, []byte("<sheets>"), []byte("<x>"+strings.Repeat("<a>", 1000000)+"</x><sheets>"), 1)
			}
			return c
		}, nil, nil), tooLarge},
		{"4,000,000 empty cells", withSheetXML(t, repeated(headerXML+"<row>", "<c/>", 4000000, "</row>")), tooLarge},
		{"3,000,000 values in one cell", withSheetXML(t, repeated(headerXML+"<row><c>", "<v/>", 3000000, "</c></row>")), tooLarge},
		{"a million rows outside xl/worksheets/", moveSheet("xl/ws/sheet2.xml"), tooManyRows},
		{"a million rows in a part named .XML", moveSheet("xl/worksheets/sheet2.XML"), tooManyRows},
		{"styles declared a worksheet", rezip(t, base, func(n string, c []byte) []byte {
			if n == "xl/_rels/workbook.xml.rels" {
				return bytes.Replace(c, []byte("</Relationships>"), []byte(`<Relationship Id="rId9" Target="styles.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>`), 1)
			}
			return replacePart("xl/styles.xml")(n, c)
		}, nil, map[string]func(io.Writer){
			"xl/styles.xml": repeated(`<?xml version="1.0" encoding="UTF-8"?><styleSheet `+mainNS+`><cellXfs>`, `<xf/>`, 1500000, `</cellXfs></styleSheet>`)}), tooLarge},
		{"2,000 parts", rezip(t, base, nil, nil, func() map[string]func(io.Writer) {
			m := map[string]func(io.Writer){}
			for i := 0; i < 2000; i++ {
				m[string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))] = func(io.Writer) {}
			}
			return m
		}()), tooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.b) > 256<<10 {
				t.Fatalf("the hostile workbook is %d bytes, not a small upload", len(tc.b))
			}
			var res *Result
			var err error
			got := allocated(func() { res, err = read(t, tc.b) })
			if !tc.want(res, err) {
				t.Fatalf("Read = %v, %v", res, err)
			}
			if got > 4<<20 {
				t.Errorf("refusing it allocated %d bytes, want at most 4 MiB", got)
			}
		})
	}
}

// TestCountElements counts start tags across the reads' seams.
func TestCountElements(t *testing.T) {
	xml := `<?xml version="1.0"?><!-- c --><x:sst><x:si><t>a &lt;row b</t></x:si><si/><row r="1"><c/></row><rowx/></x:sst>`
	for _, size := range []int{1, 2, 3, 7, 64, 1 << 20} {
		c, err := countElements(&smallReader{s: xml, n: size})
		if err != nil {
			t.Fatal(err)
		}
		if c.elements != 7 || c.rows != 1 || c.items != 2 || c.read != int64(len(xml)) {
			t.Errorf("reads of %d bytes: %+v, want 7 elements, 1 row, 2 items", size, c)
		}
	}
}

// smallReader reads s at most n bytes at a time.
type smallReader struct {
	s string
	n int
}

func (r *smallReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	k := min(len(p), r.n, len(r.s))
	copy(p, r.s[:k])
	r.s = r.s[k:]
	return k, nil
}
