package export

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// The charts are drawn as vector graphics in the page's own content, laid
// out left to right and mirrored as drawn in a right-to-left report (the
// names on the right, the bars growing to the left: r.rect, r.text):
// rectangles, lines and text in the report's font. They used to be drawn
// by gonum/plot into a 150 dpi raster image and PNG-encoded, one image
// per question: the largest valid survey (200 questions of 60 options)
// took 23 s, 5 GB of allocations and a 52 MB file
// (BenchmarkLargestSurveyPDF, docs/performance.md). Vector charts cost a
// few hundred bytes of page content per bar, stay sharp when printed, and
// their text can be searched and copied like the rest of the report.

// pdfChart is a chart laid out for the page: its height in mm, and how
// to draw it with its top at y.
type pdfChart struct {
	h    float64
	draw func(y float64)
}

// Chart geometry, mm unless named otherwise.
const (
	pdfChartTop    = 2.0  // space above the first bar
	pdfChartAxis   = 10.0 // the axis under the bars: ticks, numbers, "Count"
	pdfChartGap    = 1.5  // between a bar and its value label
	pdfChartMaxCol = 0.45 // the category names take at most this share of the width
	pdfBarShare    = 0.62 // of a slot's height, the bar's
	pdfTickPt      = 8.0  // font size of the numbers on the axis and on the bars
	pdfPtMM        = 25.4 / 72
)

// pdfSlot is the height per category in mm.
func pdfSlot(n int) float64 {
	switch {
	case n > 24:
		return 5
	case n > 12:
		return 6.5
	}
	return 8
}

// chartSlot is the height per category of a chart of n categories whose
// other parts take fixed mm: the usual slot, or less, so that the whole
// chart fits on one page.
func (r *pdfReport) chartSlot(n int, fixed float64) float64 {
	slot := pdfSlot(n)
	if maxH := r.bottom - pdfMargin - 20; fixed+slot*float64(n) > maxH {
		slot = (maxH - fixed) / float64(n)
	}
	return slot
}

// pdfLabelPt is the font size of the category names for a slot height.
func pdfLabelPt(slot float64) float64 { return min(9, max(5.5, slot*0.75/pdfPtMM)) }

// chartLabel is a category name in a chart, at most pdfMaxLabel runes and
// w mm wide in the current font; a suppressed one is named so (and has
// no bar).
func (r *pdfReport) chartLabel(label string, suppressed bool, w float64) string {
	s := r.line(label)
	if rs := []rune(s); len(rs) > pdfMaxLabel {
		s = strings.TrimSpace(string(rs[:pdfMaxLabel-1])) + "…"
	}
	suffix := ""
	if suppressed {
		suffix = " (" + r.line(r.l.Suppressed) + ")"
	}
	// The suppressed mark is never the part cut off.
	return r.fit(s, w-r.pdf.GetStringWidth(suffix)) + suffix
}

// labelColumn is the width of the category names' column: the widest
// name, within pdfChartMaxCol of the width.
func (r *pdfReport) labelColumn(labels []string, suppressed []bool, pt float64) float64 {
	r.font("", pt)
	w := 0.0
	limit := r.width * pdfChartMaxCol
	for i, l := range labels {
		w = max(w, r.pdf.GetStringWidth(r.chartLabel(l, suppressed[i], limit)))
		if w >= limit {
			return limit
		}
	}
	return w + 1
}

// pdfStep is the distance between the ticks of an axis from 0 to hi:
// whole numbers of the form 1, 2 or 5 times a power of ten, about five
// ticks.
func pdfStep(hi float64) float64 {
	if hi <= 5 {
		return 1
	}
	raw := hi / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return max(1, m*mag)
		}
	}
	return 10 * mag
}

// pdfTextY is the baseline that centres text of pt points on y.
func pdfTextY(y, pt float64) float64 { return y + 0.35*pt*pdfPtMM }

// fill sets the fill colour, writing nothing when it is already set.
func (r *pdfReport) fill(c color.RGBA) {
	if cr, cg, cb := r.pdf.GetFillColor(); cr != int(c.R) || cg != int(c.G) || cb != int(c.B) {
		r.pdf.SetFillColor(int(c.R), int(c.G), int(c.B))
	}
}

// The charts draw their parts grouped by colour and font (grid, axis,
// bars, names, numbers), so that the page holds few colour and font
// changes.

// axis draws the grid, the count axis from 0 to hi (mm per count: scale)
// under rows from y0 to y1, its numbers and the axis's name.
func (r *pdfReport) axis(x0, y0, y1, hi, scale float64) {
	p := r.pdf
	step := pdfStep(hi)
	right := x0 + hi*scale
	r.lineStyle(0xdd, 0.2)
	for v := step; v <= hi+1e-9; v += step {
		r.segment(x0+v*scale, y0, x0+v*scale, y1)
	}
	r.lineStyle(0, 0.2)
	for v := 0.0; v <= hi+1e-9; v += step {
		r.segment(x0+v*scale, y1, x0+v*scale, y1+1)
	}
	r.segment(x0, y0, x0, y1)
	r.segment(x0, y1, right, y1)
	r.inkFill()
	r.font("", pdfTickPt)
	p.SetTextColor(60, 60, 60)
	for v := 0.0; v <= hi+1e-9; v += step {
		x := x0 + v*scale
		s := strconv.FormatFloat(v, 'f', 0, 64)
		if w := p.GetStringWidth(s); x+w/2 <= right+1 {
			r.text(x-w/2, y1+1.5+pdfTickPt*pdfPtMM, s)
		}
	}
	name := r.line(r.l.Count)
	r.text(x0+(right-x0-p.GetStringWidth(name))/2, y1+pdfChartAxis-1.5, name)
	p.SetTextColor(0, 0, 0)
}

// names draws the category names of a chart, right-aligned before x0, a
// suppressed one in grey.
func (r *pdfReport) names(labels []string, sup []bool, x0, top, slot, lw, pt float64) {
	p := r.pdf
	r.inkFill()
	r.font("", pt)
	for i, l := range labels {
		name := r.chartLabel(l, sup[i], lw)
		if sup[i] {
			p.SetTextColor(110, 110, 110)
		}
		r.text(x0-1-p.GetStringWidth(name), pdfTextY(top+(float64(i)+0.5)*slot, pt), name)
		p.SetTextColor(0, 0, 0)
	}
}

// pdfErrorBar is a category's confidence interval in counts (lo, hi: the
// interval's limits times the published base), or ok false when it has
// none (suppressed, no percentage, or a summary not cut from a release).
func pdfErrorBar(c surveys.Count) (lo, hi float64, ok bool) {
	l, h, shown := summaryInterval(c)
	base, known := c.Base()
	if !shown || !known {
		return 0, 0, false
	}
	return l / 100 * float64(base), h / 100 * float64(base), true
}

// barChart lays out one horizontal bar per category, first at the top,
// each with its count and percentage at its end; a suppressed category
// has no bar and says so after its name. A bar's confidence interval is
// an error bar over it (the value label follows whichever ends later).
func (r *pdfReport) barChart(cats []pdfCat) pdfChart {
	n := len(cats)
	slot := r.chartSlot(n, pdfChartTop+pdfChartAxis)
	pt := pdfLabelPt(slot)
	labels := make([]string, n)
	sup := make([]bool, n)
	for i, c := range cats {
		labels[i], sup[i] = c.label, c.count.Suppressed
	}
	lw := r.labelColumn(labels, sup, pt)
	x0 := pdfMargin + lw + 1
	pw := pdfMargin + r.width - x0
	// The scale leaves room for every bar's value label after it.
	r.font("", pdfTickPt)
	scale, maxV := math.Inf(1), 0.0
	values := make([]string, n)
	ends := make([]float64, n) // where each bar or its error bar ends, in counts
	for i, c := range cats {
		if c.count.Suppressed || c.count.N == nil {
			continue
		}
		values[i] = r.count(&c.count, true)
		v := float64(*c.count.N)
		if _, ehi, ok := pdfErrorBar(c.count); ok {
			v = max(v, ehi)
		}
		ends[i] = v
		maxV = max(maxV, v)
		if v > 0 {
			scale = min(scale, (pw-pdfChartGap-r.pdf.GetStringWidth(values[i]))/v)
		}
	}
	if math.IsInf(scale, 1) || scale <= 0 {
		scale = pw / max(maxV, 1)
	}
	hi := math.Floor(pw / scale)
	h := pdfChartTop + slot*float64(n) + pdfChartAxis
	return pdfChart{h: h, draw: func(y float64) {
		top := y + pdfChartTop
		r.axis(x0, top, top+slot*float64(n), hi, scale)
		for i, c := range cats {
			if values[i] != "" && *c.count.N > 0 {
				if c.dk {
					r.fill(pdfDKColor)
				} else {
					r.fill(pdfBarColor)
				}
				mid := top + (float64(i)+0.5)*slot
				r.rect(x0, mid-slot*pdfBarShare/2, float64(*c.count.N)*scale, slot*pdfBarShare, "F")
			}
		}
		r.errorBars(cats, x0, top, slot, scale)
		r.names(labels, sup, x0, top, slot, lw, pt)
		r.font("", pdfTickPt)
		for i := range cats {
			if values[i] != "" {
				mid := top + (float64(i)+0.5)*slot
				r.text(x0+ends[i]*scale+pdfChartGap, pdfTextY(mid, pdfTickPt), values[i])
			}
		}
	}}
}

// errorBars draws each category's confidence interval across its bar: a
// line from the lower to the upper limit with a cap at each end.
func (r *pdfReport) errorBars(cats []pdfCat, x0, top, slot, scale float64) {
	r.lineStyle(0x33, 0.3)
	for i, c := range cats {
		lo, hi, ok := pdfErrorBar(c.count)
		if !ok {
			continue
		}
		mid := top + (float64(i)+0.5)*slot
		capH := slot * pdfBarShare / 4
		r.segment(x0+lo*scale, mid, x0+hi*scale, mid)
		r.segment(x0+lo*scale, mid-capH, x0+lo*scale, mid+capH)
		r.segment(x0+hi*scale, mid-capH, x0+hi*scale, mid+capH)
	}
	r.inkFill()
}

// Matrix legend geometry: swatch size (mm), font size, line height (mm).
const (
	pdfSwatch     = 3.0
	pdfLegendPt   = 8.0
	pdfLegendLine = 4.5
)

// pdfMatrix is a matrix chart laid out: one bar per statement, of nb
// points and, if series > nb, "don't know".
type pdfMatrix struct {
	sts                  []surveys.StatementResults
	nb, series           int
	legend               []pdfLegendItem
	labels               []string
	sup                  []bool // a part of the statement's bar is suppressed
	x0, lw, slot, pt     float64
	scale, hi, legHeight float64
}

// pdfLegendItem is a series' name in the legend and where it sits, mm
// from the legend's top left corner.
type pdfLegendItem struct {
	name string
	x, y float64
}

// matrixChart lays out one bar per statement, its points stacked (light
// to dark, "don't know" grey), with the legend under the chart.
func (r *pdfReport) matrixChart(q *surveys.QuestionResults) pdfChart {
	m := &pdfMatrix{sts: q.Statements, nb: len(q.Statements[0].Bins)}
	m.series = m.nb
	for _, st := range m.sts {
		if st.DontKnow != nil {
			m.series = m.nb + 1
		}
	}
	n := len(m.sts)
	m.legend, m.legHeight = r.matrixLegend(m)
	m.slot = r.chartSlot(n, pdfChartTop+pdfChartAxis+m.legHeight)
	m.pt = pdfLabelPt(m.slot)
	var maxV float64
	m.labels, m.sup, maxV = pdfMatrixTotals(m.sts)
	m.lw = r.labelColumn(m.labels, m.sup, m.pt)
	m.x0 = pdfMargin + m.lw + 1
	pw := pdfMargin + r.width - m.x0
	m.scale = pw / max(maxV*1.05, 1)
	m.hi = math.Floor(pw / m.scale)
	h := pdfChartTop + m.slot*float64(n) + pdfChartAxis + m.legHeight
	return pdfChart{h: h, draw: func(y float64) { r.drawMatrix(m, y) }}
}

// matrixLegend lays out the legend: a swatch and a name per series, side
// by side, wrapped; and its height.
func (r *pdfReport) matrixLegend(m *pdfMatrix) ([]pdfLegendItem, float64) {
	r.font("", pdfLegendPt)
	legend := make([]pdfLegendItem, m.series)
	lx, ly := 0.0, 0.0
	for j := range legend {
		name := r.l.DontKnow
		if j < m.nb {
			name = m.sts[0].Bins[j].Label
		}
		name = r.chartLabel(name, false, r.width-pdfSwatch-2)
		w := pdfSwatch + 1 + r.pdf.GetStringWidth(name) + 4
		if lx > 0 && lx+w > r.width {
			lx, ly = 0, ly+pdfLegendLine
		}
		legend[j] = pdfLegendItem{name, lx, ly}
		lx += w
	}
	return legend, ly + pdfLegendLine + 2
}

// pdfMatrixTotals are the statements' names, whether a part of each
// statement's bar is suppressed, and the longest bar's count.
func pdfMatrixTotals(sts []surveys.StatementResults) (labels []string, sup []bool, maxV float64) {
	labels = make([]string, len(sts))
	sup = make([]bool, len(sts))
	for i, st := range sts {
		labels[i] = st.Label
		total := 0.0
		for _, b := range st.Bins {
			sup[i] = sup[i] || b.Count.Suppressed
			total += pdfShownCount(&b.Count)
		}
		if st.DontKnow != nil {
			sup[i] = sup[i] || st.DontKnow.Suppressed
			total += pdfShownCount(st.DontKnow)
		}
		maxV = max(maxV, total)
	}
	return labels, sup, maxV
}

// pdfShownCount is a count's number, 0 when it is suppressed or has none.
func pdfShownCount(c *surveys.Count) float64 {
	if c.Suppressed || c.N == nil {
		return 0
	}
	return float64(*c.N)
}

// part is the count of series j of a statement's bar (nil: none).
func (m *pdfMatrix) part(st *surveys.StatementResults, j int) *surveys.Count {
	if j >= m.nb {
		return st.DontKnow
	}
	if j < len(st.Bins) {
		return &st.Bins[j].Count
	}
	return nil
}

// drawMatrix draws a matrix chart with its top at y: axis, bars, legend
// swatches, then the statements' names and the legend's.
func (r *pdfReport) drawMatrix(m *pdfMatrix, y float64) {
	top := y + pdfChartTop
	bottom := top + m.slot*float64(len(m.sts))
	r.axis(m.x0, top, bottom, m.hi, m.scale)
	for i := range m.sts {
		r.matrixBar(m, &m.sts[i], top+(float64(i)+0.5)*m.slot)
	}
	ly := bottom + pdfChartAxis + 2
	for j, it := range m.legend {
		r.fill(pdfSeriesColor(j, m.nb))
		r.rect(pdfMargin+it.x, ly+it.y, pdfSwatch, pdfSwatch, "F")
	}
	r.names(m.labels, m.sup, m.x0, top, m.slot, m.lw, m.pt)
	r.font("", pdfLegendPt)
	for _, it := range m.legend {
		r.text(pdfMargin+it.x+pdfSwatch+1, pdfTextY(ly+it.y+pdfSwatch/2, pdfLegendPt), it.name)
	}
}

// matrixBar draws one statement's bar, centred on mid: its shown,
// non-zero parts side by side.
func (r *pdfReport) matrixBar(m *pdfMatrix, st *surveys.StatementResults, mid float64) {
	x := m.x0
	for j := range m.series {
		c := m.part(st, j)
		if c == nil || c.Suppressed || c.N == nil || *c.N == 0 {
			continue
		}
		w := float64(*c.N) * m.scale
		r.fill(pdfSeriesColor(j, m.nb))
		r.rect(x, mid-m.slot*pdfBarShare/2, w, m.slot*pdfBarShare, "F")
		x += w
	}
}

// pdfSeriesColor is the colour of part j of a matrix bar of n points:
// light to dark blue, and grey for "don't know" (j = n).
func pdfSeriesColor(j, n int) color.RGBA {
	if j >= n {
		return pdfDKColor
	}
	lo := [3]float64{0xc6, 0xdb, 0xef}
	hi := [3]float64{0x08, 0x30, 0x6b}
	f := 0.0
	if n > 1 {
		f = float64(j) / float64(n-1)
	}
	c := func(i int) uint8 { return uint8(math.Round(lo[i] + (hi[i]-lo[i])*f)) }
	return color.RGBA{R: c(0), G: c(1), B: c(2), A: 0xff}
}
