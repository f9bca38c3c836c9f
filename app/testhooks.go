package app

import "github.com/youthvoice/youthvoice/internal/testhooks"

// Tests of other packages (api's) reach an App's hooks through
// internal/testhooks, which says why no option carries them: the fault
// hook of a submission, and the App's summarizer, whose own hooks package
// store gives there.
func init() {
	testhooks.SetSubmitFaults = func(a any, hook func(step string) error) { a.(*App).faults = hook }
	testhooks.Summarizer = func(a any) any { return a.(*App).summarizer }
}
