package console

import (
	"strconv"
	"unicode/utf8"
)

// chart is a horizontal bar chart drawn on the server as SVG: no script,
// no image request. Each bar's width is its count against the largest
// count shown; a suppressed count has no bar, only its word. The numbers
// are in the table beside it too, which is what screen readers read (the
// SVG is one labelled image).
type chart struct {
	Width, Height int
	Bars          []bar
	Dir           string
}

type bar struct {
	Y, TextY   int
	X, W       int // the bar
	LabelX     int
	ValueX     int
	Label      string
	Value      string
	Suppressed bool
}

// Chart geometry, in SVG user units (the CSS scales the whole).
const (
	chartWidth  = 640
	labelWidth  = 220
	valueWidth  = 110
	barHeight   = 22
	barGap      = 8
	labelLength = 30 // characters of a label in the chart (the table has it whole)
)

// chartOf draws rows; none, or none with a count, draws no chart. dir
// "rtl" mirrors it: labels on the right, bars growing to the left.
func chartOf(rows []rowView, dir string) *chart {
	if len(rows) == 0 {
		return nil
	}
	most := 0
	for _, r := range rows {
		if n, err := strconv.Atoi(r.Cell.Text); err == nil && !r.Cell.Suppressed {
			most = max(most, n)
		}
	}
	ch := &chart{Width: chartWidth, Height: len(rows)*(barHeight+barGap) + barGap, Dir: dir}
	span := chartWidth - labelWidth - valueWidth
	for i, r := range rows {
		y := barGap + i*(barHeight+barGap)
		b := bar{Y: y, TextY: y + barHeight*3/4, Label: shorten(r.Label), Value: r.Cell.Text, Suppressed: r.Cell.Suppressed}
		if n, err := strconv.Atoi(r.Cell.Text); err == nil && !r.Cell.Suppressed && most > 0 {
			b.W = span * n / most
			if r.Cell.Pct != "" {
				b.Value += " (" + r.Cell.Pct + ")"
			}
		}
		// Text anchors are "end" for labels and "start" for values in both
		// directions: in right-to-left text, start is the right edge.
		if dir == "rtl" {
			b.LabelX = chartWidth - labelWidth + 8
			b.X = chartWidth - labelWidth - b.W
			b.ValueX = b.X - 6
		} else {
			b.LabelX = labelWidth - 8
			b.X = labelWidth
			b.ValueX = labelWidth + b.W + 6
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// shorten cuts a label to labelLength characters, with an ellipsis.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= labelLength {
		return s
	}
	r := []rune(s)
	return string(r[:labelLength-1]) + "…"
}
