package xlsform

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys"
)

// example is an example survey, parsed and validated.
func example(t testing.TB, name string) *surveys.Definition {
	t.Helper()
	b, err := examples.Survey(name)
	if err != nil {
		t.Fatal(err)
	}
	var d surveys.Definition
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return &d
}

// roundTrip writes d and reads it back.
func roundTrip(t *testing.T, d *surveys.Definition) *Result {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	res, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		if e, ok := err.(*Error); ok {
			for _, p := range e.Problems {
				t.Errorf("problem: %+v", p)
			}
		}
		t.Fatalf("read back: %v", err)
	}
	return res
}

// sameJSON compares two definitions as the API would show them.
func sameJSON(t *testing.T, want, got *surveys.Definition) {
	t.Helper()
	w, _ := json.MarshalIndent(want, "", " ")
	g, _ := json.MarshalIndent(got, "", " ")
	if !bytes.Equal(w, g) {
		t.Errorf("round trip differs:\n%s", diffLines(string(w), string(g)))
	}
}

func diffLines(a, b string) string {
	al, bl := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	var out bytes.Buffer
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y []byte
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if !bytes.Equal(x, y) {
			out.WriteString("- " + string(x) + "\n+ " + string(y) + "\n")
			if out.Len() > 4000 {
				break
			}
		}
	}
	return out.String()
}

func TestRoundTripExamples(t *testing.T) {
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			d := example(t, name)
			res := roundTrip(t, d)
			sameJSON(t, d, &res.Definition)
			if len(res.Warnings) > 0 {
				t.Errorf("warnings reading our own workbook: %+v", res.Warnings)
			}
		})
	}
}
