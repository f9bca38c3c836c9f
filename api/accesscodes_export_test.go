package api

// SetMaxAccessCodesPerSurvey lowers the per-survey limit of access codes
// for a test, until the returned function restores it.
func SetMaxAccessCodesPerSurvey(n int) (restore func()) {
	old := maxAccessCodesPerSurvey
	maxAccessCodesPerSurvey = n
	return func() { maxAccessCodesPerSurvey = old }
}
