// Package testhooks is the one way this module's tests reach another
// package's test hooks: a test of package api crashes the summarizer of
// package store between two steps, or a submission of package app.
//
// A hook is an unexported field of the type it belongs to (a
// store.Summarizer's fault, an app.App's faults), never an option or an
// exported field, so that no production configuration carries one. Inside
// its own package a test sets it through export_test.go; across packages
// there is no such door in Go, so the owning package assigns, in an init
// beside the field, the function here that sets it, and other packages'
// tests call that (api's hooks_export_test.go wraps them for api_test). Being
// internal, this package cannot be imported from outside the module, and
// production code never calls what it holds. (grpc-go's internal package
// does the same for its tests' hooks.)
//
// The instance parameters are typed any: this package cannot import the
// packages that import it. Each function asserts the type it was given.
package testhooks

import (
	"context"
	"time"
)

// Set by package store.
var (
	// SetSummaryFaults makes a *store.Summarizer call hook between the
	// steps of applying a batch ("tallying", "paged", "applied",
	// "dequeued"); an error stops there, as a crash would. nil removes it.
	SetSummaryFaults func(summarizer any, hook func(step string) error)
	// RecoverSummaries makes a *store.Summarizer apply the queued batches
	// older than lease (0: every queued batch, right only when no other
	// process writes), as the next start after a crash would.
	RecoverSummaries func(ctx context.Context, summarizer any, lease time.Duration)
)

// Set by package app.
var (
	// SetSubmitFaults makes an *app.App call hook between the steps of a
	// submission ("validated", "code_burned", "stored"); an error
	// stops there, as a crash would, and Submit returns it wrapped.
	// nil removes it.
	SetSubmitFaults func(app any, hook func(step string) error)
	// Summarizer is an *app.App's summarizer (a *store.Summarizer).
	Summarizer func(app any) any
)
