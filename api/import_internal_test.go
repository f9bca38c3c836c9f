package api

import (
	"mime"
	"strings"
	"testing"
)

// The exported workbook's name comes from the survey's title, which an
// organiser wrote: whatever it holds, the header stays one valid
// Content-Disposition whose names are plain file names.
func TestXLSFormDisposition(t *testing.T) {
	id := "3b448439-2cba-44a8-8d57-736e085fd00e"
	for _, c := range []struct{ title, ascii, utf8 string }{
		{"Fritid i kommunen", "youthvoice-3b448439-fritid-i-kommunen.xlsx", "youthvoice-3b448439-fritid-i-kommunen.xlsx"},
		{"Ungdomsplanen – vad tycker du?", "youthvoice-3b448439-ungdomsplanen-vad-tycker-du.xlsx", "youthvoice-3b448439-ungdomsplanen-vad-tycker-du.xlsx"},
		{"Säker på nätet", "youthvoice-3b448439-saker-pa-natet.xlsx", "youthvoice-3b448439-säker-på-nätet.xlsx"},
		{"أوقات الفراغ", "youthvoice-3b448439.xlsx", "youthvoice-3b448439-أوقات-الفراغ.xlsx"},
		{`"; filename="../../etc/passwd`, "youthvoice-3b448439-filename-etc-passwd.xlsx", "youthvoice-3b448439-filename-etc-passwd.xlsx"},
		{"a\r\nSet-Cookie: x=1\u202e", "youthvoice-3b448439-a-set-cookie-x-1.xlsx", "youthvoice-3b448439-a-set-cookie-x-1.xlsx"},
		{"", "youthvoice-3b448439.xlsx", "youthvoice-3b448439.xlsx"},
		{strings.Repeat("Lång titel ", 20), "youthvoice-3b448439-lang-titel-lang-titel-lang-titel-lang-ti.xlsx", "youthvoice-3b448439-lång-titel-lång-titel-lång-titel-lång-ti.xlsx"},
	} {
		h := xlsformDisposition(id, c.title)
		if strings.ContainsAny(h, "\r\n\u202e") {
			t.Errorf("%q: header %q", c.title, h)
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != "attachment" {
			t.Errorf("%q: %q does not parse: %v", c.title, h, err)
			continue
		}
		// mime prefers filename* when present, as browsers do.
		if params["filename"] != c.utf8 || !strings.Contains(h, `filename="`+c.ascii+`"`) {
			t.Errorf("%q: %q, want filename %q and filename* %q", c.title, h, c.ascii, c.utf8)
		}
	}
}
