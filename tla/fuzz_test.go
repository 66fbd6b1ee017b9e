package tla

import (
	"os"
	"path/filepath"
	"testing"
)

// seedFiles adds every corpus file with the given extension to the fuzz seed corpus.
func seedFiles(f *testing.F, ext string) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*", "*"+ext))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(string(b))
		}
	}
}

// FuzzParseModule checks that the lexer and parser never panic: any input either
// parses or yields a positioned *Error.
func FuzzParseModule(f *testing.F) {
	seedFiles(f, ".tla")
	f.Add("---- MODULE M ----\nVARIABLE x\nInit == x = 0\n====")
	f.Add("---- MODULE M ----\nA == /\\ 1\n     /\\ \\/ 2\n        \\/ 3\n====")
	f.Add("---- MODULE M ----\nF[n \\in Nat] == IF n = 0 THEN 1 ELSE n * F[n-1]\n====")
	f.Add("---- MODULE M ----\n(* (* nested *) *) A == [x EXCEPT ![1].a = @ + 1]\n====")
	f.Add("---- MODULE M ----\nTHEOREM T == TRUE\n<1>1. QED\n  BY DEF T\n====")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := parseModule("fuzz.tla", src)
		if err == nil && m == nil {
			t.Fatal("nil module without error")
		}
		if err != nil {
			if _, ok := err.(*specError); !ok {
				t.Fatalf("error of type %T, want *Error", err)
			}
		}
	})
}

// FuzzParseConfig checks that the configuration parser never panics.
func FuzzParseConfig(f *testing.F) {
	seedFiles(f, ".cfg")
	f.Add("CONSTANTS N = 3 P = {p1, p2} X <- [M]Y\nSPECIFICATION Spec\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")
	f.Add("INIT Init NEXT Next INVARIANTS A B PROPERTIES C")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := parseConfig("fuzz.cfg", src)
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
