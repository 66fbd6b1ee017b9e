// Package tla will hold a model checker for the subset of TLA+ that real specifications use.
package tla
