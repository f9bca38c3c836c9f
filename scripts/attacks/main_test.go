package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// The bombs must hold what they claim: n zeros under the given number of
// gzip layers, or the attack would measure a smaller one.
func TestGzipZeros(t *testing.T) {
	for _, layers := range []int{1, 2} {
		const n = 3<<20 + 17
		b, err := gzipZeros(n, layers)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bytes.NewReader(b)
		for range layers {
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n || !bytes.Equal(got, make([]byte, n)) {
			t.Errorf("%d layers: %d bytes, want %d zeros", layers, len(got), n)
		}
		if len(b) > n/500 {
			t.Errorf("%d layers: %d bytes compressed, want a bomb", layers, len(b))
		}
	}
}
