// Package runtime drives the runsc binary of gVisor through the lifecycle that package
// fsm permits.
package runtime
