// Package fsm encodes the gVisor lifecycle of spec/NucleusSecurity_GVisor_GVisorRuntime.tla
// as explicit state machines: one for the runtime and one per container.
package fsm
