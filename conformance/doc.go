// Package conformance will hold the property-based, linearizability and trace tests that
// check the runtime package against the lifecycle model.
package conformance
