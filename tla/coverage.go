package tla

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"
)

// coverage counts, per action of the next-state relation, the distinct states it
// found first and the states it generated, for TLC's -coverage report. Actions are
// what the trace labels name: a definition Next calls, or a disjunct of one that is
// split further.
type coverage struct {
	every time.Duration
	last  time.Time
	init  covAction
	// Next's actions: those the static walk finds, whether taken or not, and any
	// it could not see (reached through an INSTANCE or an operator argument)
	// once taken
	actions []*covAction
	byKey   map[covKey]*covAction
}

// covKey identifies an action: the definition that names it and the part of its
// body that is the action.
type covKey struct {
	d  *def
	sp span
}

type covAction struct {
	covKey
	distinct, generated int64
}

func newCoverage(every time.Duration, init, next *namedExpr) *coverage {
	cv := &coverage{every: every, last: time.Now(), byKey: map[covKey]*covAction{}}
	if d := identDef(init.expr, init.sc); d != nil {
		cv.init.d, cv.init.sp = d, d.bodySp
	} else {
		cv.init.sp = exprSpan(init.expr)
	}
	cv.walk(next.expr, next.sc, nil, exprSpan(next.expr))
	return cv
}

// identDef returns the definition a plain identifier names, or nil.
func identDef(e expr, sc *scope) *def {
	x, ok := e.(*ident)
	if !ok || x.Prefix != nil {
		return nil
	}
	if x.kind == identGlobal && x.def != nil {
		return x.def
	}
	if sc == nil {
		return nil
	}
	return sc.lookup(x.Name)
}

// walk lists the actions of e statically, the way enum labels them while it
// enumerates successors (split mode): a definition call names what it enumerates,
// disjuncts and existential bodies are actions of their own, and a conjunction or
// anything else ends the split.
func (cv *coverage) walk(e expr, sc *scope, label *def, sp span) {
	switch x := e.(type) {
	case *junction:
		if !x.And {
			for _, it := range x.Items {
				cv.walk(it, sc, label, exprSpan(it))
			}
			return
		}
	case *ifThen:
		cv.walk(x.Then, sc, label, sp)
		cv.walk(x.Else, sc, label, sp)
		return
	case *caseExpr:
		for _, a := range x.Arms {
			cv.walk(a.Val, sc, label, sp)
		}
		if x.Other != nil {
			cv.walk(x.Other, sc, label, sp)
		}
		return
	case *let:
		cv.walk(x.Body, sc, label, sp)
		return
	case *quant:
		if !x.Forall {
			cv.walk(x.Body, sc, label, exprSpan(x.Body))
			return
		}
	case *opApp:
		if x.Op == "=>" {
			cv.walk(x.Args[1], sc, label, sp)
			return
		}
	case *actionBox:
		cv.walk(x.A, sc, label, sp)
		return
	case *ident:
		if x.Prefix != nil {
			return // through an INSTANCE: found when taken
		}
		if d := identDef(x, sc); d != nil && d.Kind == defOp && d.Body != nil && len(x.Args) == len(d.Params) {
			cv.walk(d.Body, d.scope, d, d.bodySp)
			return
		}
		if d := identDef(x, sc); d == nil || d.Kind != defVar && d.Kind != defConst {
			return // an operator argument or a substitution: found when taken
		}
	}
	if label != nil {
		cv.action(label, sp)
	}
}

// action returns the counters of an action, adding it when first met.
func (cv *coverage) action(d *def, sp span) *covAction {
	k := covKey{d, sp}
	if a := cv.byKey[k]; a != nil {
		return a
	}
	a := &covAction{covKey: k}
	cv.byKey[k] = a
	cv.actions = append(cv.actions, a)
	return a
}

// due reports whether the periodic report is due.
func (cv *coverage) due() bool {
	return time.Since(cv.last) >= cv.every
}

// print writes the report as TLC's -coverage does, for the actions: each line
// `<Name location>: distinct:generated`. TLC goes on with the evaluation counts of
// every subexpression and the distinct values of every variable; those are not
// counted here. The counts are those of the search: they add up to its distinct and
// generated states. TLC's agree when it checks neither deadlock nor liveness; with
// either, TLC 2.20 also counts the evaluations it makes for them (EWD840, with
// fairness: PassToken 10:396 where the search generates 350).
func (cv *coverage) print(out io.Writer, now time.Time) {
	cv.last = now
	fmt.Fprintf(out, "The coverage statistics at %s (see https://explain.tlapl.us/module-coverage-statistics for how to interpret the following statistics).\n",
		now.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(out, "%s: %d:%d\n", cv.init.location(), cv.init.distinct, cv.init.generated)
	// TLC lists the actions in the order of their definitions in the source
	slices.SortStableFunc(cv.actions, func(a, b *covAction) int {
		if c := cmp.Compare(a.module(), b.module()); c != 0 {
			return c
		}
		return cmp.Or(a.head().from.compare(b.head().from), a.sp.from.compare(b.sp.from))
	})
	for _, a := range cv.actions {
		fmt.Fprintf(out, "%s: %d:%d\n", a.location(), a.distinct, a.generated)
	}
	fmt.Fprintln(out, "End of statistics.")
}

func (a *covAction) module() string {
	if a.d == nil {
		return ""
	}
	return a.d.Module
}

func (a *covAction) head() span {
	if a.d == nil {
		return a.sp
	}
	return a.d.headSp
}

// location is how TLC names an action in the report: the definition's name and
// parameters, and when the action is not the definition's whole body (one of its
// disjuncts, or the body of its LET), the line and columns of the action.
func (a *covAction) location() string {
	if a.d == nil {
		return fmt.Sprintf("<Action line %d, col %d to line %d, col %d of module ?>", a.sp.from.Line, a.sp.from.Col, a.sp.to.Line, a.sp.to.Col)
	}
	h := a.d.headSp
	s := fmt.Sprintf("<%s line %d, col %d to line %d, col %d of module %s", a.d.Name, h.from.Line, h.from.Col, h.to.Line, h.to.Col, a.d.Module)
	if a.sp != exprSpan(a.d.Body) {
		s += fmt.Sprintf(" (%d %d %d %d)", a.sp.from.Line, a.sp.from.Col, a.sp.to.Line, a.sp.to.Col)
	}
	return s + ">"
}

// compare orders positions by line, then column.
func (p pos) compare(q pos) int {
	return cmp.Or(cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}
