package tla

// Modules that specs commonly extend besides TLC's standard ones, provided as TLA+
// text where no file of the name is beside the spec (a file there always wins).

// libraryModule returns the text of the built-in module name, if there is one.
func libraryModule(name string) (string, bool) {
	if ext, ok := proofLibraries[name]; ok {
		return "---- MODULE " + name + " ----\nEXTENDS " + ext + "\n====\n", true
	}
	src, ok := communityModules[name]
	return src, ok
}

// proofLibraries are the modules of the TLA+ proof system's library that specs
// extend only for their proofs (tlaplus/Examples' Paxos and MisraReachability models
// do). Model checking skips proofs and needs none of their theorems, so a library
// module stands for the modules it extends, here by name. Its few definitions of its
// own, which only proofs use, are absent: a model that uses one is told the operator
// is unknown.
var proofLibraries = map[string]string{
	"NaturalsInduction":    "Integers",
	"WellFoundedInduction": "NaturalsInduction",
	"FiniteSetTheorems":    "FiniteSets, Integers, Functions, WellFoundedInduction",
	"SequenceTheorems":     "Sequences, Functions",
	"FunctionTheorems":     "Functions, Integers",
	"BagsTheorems":         "Bags",
}

// communityModules are modules of the TLA+ community's library, written out from
// what each operator means.
var communityModules = map[string]string{
	// Folds: MapThenFoldSet(op, base, f, choose, S) is op(f(x1), op(f(x2), ...
	// op(f(xn), base))), where x1 = choose(S), x2 = choose(S \ {x1}), and so on.
	"Folds": `---- MODULE Folds ----
MapThenFoldSet(op(_, _), base, f(_), choose(_), S) ==
  LET RECURSIVE Fold(_)
      Fold(R) == IF R = {} THEN base ELSE LET x == choose(R) IN op(f(x), Fold(R \ {x}))
  IN Fold(S)
====
`,
	// FiniteSetsExt: folds and sums over a set, counting, k-element subsets, the
	// extremes of a set of numbers, and choices.
	"FiniteSetsExt": `---- MODULE FiniteSetsExt ----
EXTENDS Integers, FiniteSets, Folds, Functions
FoldSet(op(_, _), base, S) == MapThenFoldSet(op, base, LAMBDA x : x, LAMBDA R : CHOOSE x \in R : TRUE, S)
SumSet(S) == FoldSet(+, 0, S)
ProductSet(S) == FoldSet(LAMBDA x, y : x * y, 1, S)
ReduceSet(op(_, _), S, acc) == FoldSet(op, acc, S)
MapThenSumSet(op(_), S) == MapThenFoldSet(+, 0, op, LAMBDA R : CHOOSE x \in R : TRUE, S)
FlattenSet(S) == UNION S
SymDiff(A, B) == (A \ B) \cup (B \ A)
Quantify(S, P(_)) == Cardinality({x \in S : P(x)})
kSubset(k, S) == {T \in SUBSET S : Cardinality(T) = k}
Max(S) == CHOOSE x \in S : \A y \in S : x >= y
Min(S) == CHOOSE x \in S : \A y \in S : x =< y
Choices(Sets) == {Range(f) : f \in {f \in [Sets -> UNION Sets] : \A T \in Sets : f[T] \in T}}
ChooseUnique(S, P(_)) == CHOOSE x \in S : P(x) /\ \A y \in S : P(y) => y = x
====
`,
	// Functions: restriction, range, inverse, injections, surjections and bijections,
	// and folding a function's values over its domain (or a subset of it) in the
	// order CHOOSE takes them.
	"Functions": `---- MODULE Functions ----
EXTENDS Integers, Folds
Restrict(f, S) == [x \in S |-> f[x]]
RestrictDomain(f, Test(_)) == Restrict(f, {x \in DOMAIN f : Test(x)})
RestrictValues(f, Test(_)) == Restrict(f, {x \in DOMAIN f : Test(f[x])})
IsRestriction(narrow, wide) ==
  DOMAIN narrow \subseteq DOMAIN wide /\ \A x \in DOMAIN narrow : narrow[x] = wide[x]
Range(f) == {f[x] : x \in DOMAIN f}
Pointwise(f, g, T(_, _)) == [e \in DOMAIN f |-> T(f[e], g[e])]
Inverse(f, S, T) == [t \in T |-> CHOOSE s \in S : t \in Range(f) => f[s] = t]
AntiFunction(f) == Inverse(f, DOMAIN f, Range(f))
IsInjective(f) == \A a, b \in DOMAIN f : f[a] = f[b] => a = b
Injection(S, T) == {f \in [S -> T] : IsInjective(f)}
Surjection(S, T) == {f \in [S -> T] : \A t \in T : \E s \in S : f[s] = t}
Bijection(S, T) == Injection(S, T) \cap Surjection(S, T)
ExistsInjection(S, T) == Injection(S, T) # {}
ExistsSurjection(S, T) == Surjection(S, T) # {}
ExistsBijection(S, T) == Bijection(S, T) # {}
FoldFunctionOnSet(op(_, _), base, f, S) ==
  MapThenFoldSet(op, base, LAMBDA i : f[i], LAMBDA R : CHOOSE x \in R : TRUE, S)
FoldFunction(op(_, _), base, f) == FoldFunctionOnSet(op, base, f, DOMAIN f)
SumFunctionOnSet(f, S) == FoldFunctionOnSet(+, 0, f, S)
SumFunction(f) == SumFunctionOnSet(f, DOMAIN f)
====
`,
}
