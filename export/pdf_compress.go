package export

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
)

// fpdf compresses each page's content with a zlib writer of its own: at
// about 1.2 MB a writer, the 600 pages of the largest survey's report
// allocated 700 MB in half a second, which the garbage collector counts
// as live while it marks, and the server's heap grew by some 80 MB for
// one report. So the report is written with fpdf's compression off, and
// pdfCompressPages compresses the page contents afterwards with one
// writer for all of them.

var (
	pdfObjRe  = regexp.MustCompile(`\A(\d+) 0 obj\n<</Length (\d+)>>\nstream\n`)
	pdfTailRe = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?\z`)
)

const pdfStreamEnd = "\nendstream\nendobj\n"

// pdfCompressPages writes doc, a PDF as fpdf writes it without
// compression, to w with every stream that has no filter (the page
// contents: fpdf compresses fonts and images itself) compressed, and the
// cross-reference table made anew. Every other byte is copied as it is.
// A document of another shape is written unchanged: it is still a valid
// PDF, only larger.
func pdfCompressPages(w io.Writer, doc []byte) error {
	objs, xref, ok := pdfObjects(doc)
	if !ok {
		_, err := w.Write(doc)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var pos int64
	put := func(b []byte) {
		n, _ := bw.Write(b)
		pos += int64(n)
	}
	offsets := make(map[int]int64, len(objs))
	put(doc[:objs[0].start])
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	for _, o := range objs {
		offsets[o.num] = pos
		body := doc[o.start:o.end]
		m := pdfObjRe.FindSubmatch(body)
		if m == nil {
			put(body)
			continue
		}
		n, err := strconv.Atoi(string(m[2]))
		data := body[len(m[0]):]
		if err != nil || n > len(data) || string(data[n:]) != pdfStreamEnd {
			put(body)
			continue
		}
		z.Reset()
		zw.Reset(&z)
		if _, err := zw.Write(data[:n]); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		put(fmt.Appendf(nil, "%s 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", m[1], z.Len()))
		put(z.Bytes())
		put([]byte(pdfStreamEnd))
	}
	// The table: one 20-byte line per object, in the order of their
	// numbers, then the trailer as it was and where the table now starts.
	start := pos
	put(fmt.Appendf(nil, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1))
	for i := 1; i <= len(objs); i++ {
		put(fmt.Appendf(nil, "%010d 00000 n \n", offsets[i]))
	}
	put(doc[xref.trailer:xref.startxref])
	put(fmt.Appendf(nil, "startxref\n%d\n%%%%EOF\n", start))
	return bw.Flush()
}

// pdfObject is where object num lies in a document, end excluded.
type pdfObject struct {
	num        int
	start, end int
}

// pdfXref is where a document's trailer and its startxref line begin.
type pdfXref struct{ trailer, startxref int }

// pdfObjects reads the cross-reference table at the end of doc (a single
// section from object 0, as fpdf writes it) and returns the objects in the
// order they lie in the file; ok is false if doc is not of that shape.
func pdfObjects(doc []byte) (objs []pdfObject, x pdfXref, ok bool) {
	tail := doc[max(0, len(doc)-64):]
	m := pdfTailRe.FindSubmatchIndex(tail)
	if m == nil {
		return nil, x, false
	}
	x.startxref = len(doc) - len(tail) + m[0]
	at, err := strconv.Atoi(string(tail[m[2]:m[3]]))
	if err != nil || at < 0 || at >= x.startxref {
		return nil, x, false
	}
	table := doc[at:x.startxref]
	var count int
	head, rest, found := bytes.Cut(table, []byte("\n0000000000 65535 f \n"))
	if !found {
		return nil, x, false
	}
	if _, err := fmt.Sscanf(string(head), "xref\n0 %d", &count); err != nil || count < 2 || len(rest) < (count-1)*20 {
		return nil, x, false
	}
	x.trailer = at + len(head) + len("\n0000000000 65535 f \n") + (count-1)*20
	if !bytes.HasPrefix(doc[x.trailer:], []byte("trailer\n")) {
		return nil, x, false
	}
	for i := 1; i < count; i++ {
		line := rest[(i-1)*20 : i*20]
		off, err := strconv.Atoi(string(line[:10]))
		if err != nil || string(line[10:]) != " 00000 n \n" || off <= 0 || off >= at ||
			!bytes.HasPrefix(doc[off:], []byte(strconv.Itoa(i)+" 0 obj\n")) {
			return nil, x, false
		}
		objs = append(objs, pdfObject{num: i, start: off})
	}
	slices.SortFunc(objs, func(a, b pdfObject) int { return a.start - b.start })
	for i := range objs {
		objs[i].end = at
		if i+1 < len(objs) {
			objs[i].end = objs[i+1].start
		}
		if objs[i].end <= objs[i].start {
			return nil, x, false
		}
	}
	return objs, x, true
}
