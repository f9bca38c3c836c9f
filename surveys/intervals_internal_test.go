package surveys

import (
	"math"
	"testing"
)

// The expansion tCritical uses from tSmallDF degrees of freedom on agrees
// with the exact quantile to well within the 1e-6 the tests ask of the
// intervals, and the kept table below it is the exact quantile.
func TestTCriticalExpansion(t *testing.T) {
	for _, level := range []int{90, 95, 99} {
		p := 1 - (1-float64(level)/100)/2
		for _, df := range []int{1, 2, 7, 30, tSmallDF - 1, tSmallDF, tSmallDF + 1, 350, 1000, 12345, 100000} {
			exact, got := tQuantile(p, df), tCritical(level, df)
			if math.Abs(exact-got) > 1e-9 {
				t.Errorf("level %d, df %d: %.12f, exact %.12f", level, df, got, exact)
			}
		}
	}
}
