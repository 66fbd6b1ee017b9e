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
	// Bitwise: and, or, exclusive or and not of natural numbers, bit by bit (not
	// flips the bits up to the highest one set), and shifting right.
	"Bitwise": `---- MODULE Bitwise ----
LOCAL INSTANCE Integers
RECURSIVE AndBits(_, _), OrBits(_, _), XorBits(_, _), NotBits(_)
LOCAL AndBits(x, y) ==
  IF x = 0 \/ y = 0 THEN 0 ELSE 2 * AndBits(x \div 2, y \div 2) + ((x % 2) * (y % 2))
LOCAL OrBits(x, y) ==
  IF x = 0 THEN y ELSE IF y = 0 THEN x
  ELSE 2 * OrBits(x \div 2, y \div 2) + (IF x % 2 = 1 \/ y % 2 = 1 THEN 1 ELSE 0)
LOCAL XorBits(x, y) ==
  IF x = 0 THEN y ELSE IF y = 0 THEN x ELSE 2 * XorBits(x \div 2, y \div 2) + ((x + y) % 2)
LOCAL NotBits(x) == IF x = 0 THEN 0 ELSE 2 * NotBits(x \div 2) + (1 - (x % 2))
x & y == AndBits(x, y)
x | y == OrBits(x, y)
x ^^ y == XorBits(x, y)
Not(a) == NotBits(a)
shiftR(n, pos) == n \div 2^pos
====
`,
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
	// SequencesExt: sequences as sets and sets as sequences, searching, inserting
	// and removing, prefixes and suffixes, and folds (operators that build
	// sequences of subsequences, such as Interleave or ReplaceAllSubSeqs, are not
	// provided).
	"SequencesExt": `---- MODULE SequencesExt ----
EXTENDS Sequences, Naturals, FiniteSets, FiniteSetsExt, Folds, Functions, Bags, TLC
ToSet(s) == {s[i] : i \in DOMAIN s}
ToBag(s) == [x \in ToSet(s) |-> Cardinality({i \in DOMAIN s : s[i] = x})]
SetToSeq(S) == CHOOSE f \in [1..Cardinality(S) -> S] : IsInjective(f)
SetToSeqs(S) == {f \in [1..Cardinality(S) -> S] : IsInjective(f)}
SetToSortSeq(S, op(_, _)) == SortSeq(SetToSeq(S), op)
SetToAllKPermutations(S) == UNION {SetToSeqs(T) : T \in SUBSET S}
TupleOf(S, n) == [1..n -> S]
SeqOf(S, n) == UNION {[1..m -> S] : m \in 0..n}
BoundedSeq(S, n) == SeqOf(S, n)
Contains(s, e) == \E i \in 1..Len(s) : s[i] = e
IsSorted(s, op(_, _)) == \A i, j \in 1..Len(s) : i < j => op(s[i], s[j])
Reverse(s) == [i \in 1..Len(s) |-> s[Len(s) - i + 1]]
Remove(s, e) == SelectSeq(s, LAMBDA x : x # e)
ReplaceAll(s, old, new) == [i \in 1..Len(s) |-> IF s[i] = old THEN new ELSE s[i]]
SelectInSeq(s, Test(_)) ==
  LET I == {i \in 1..Len(s) : Test(s[i])} IN IF I = {} THEN 0 ELSE Min(I)
SelectInSubSeq(s, from, to, Test(_)) == SelectInSeq(SubSeq(s, from, to), Test)
SelectLastInSeq(s, Test(_)) ==
  LET I == {i \in 1..Len(s) : Test(s[i])} IN IF I = {} THEN 0 ELSE Max(I)
SelectLastInSubSeq(s, from, to, Test(_)) == SelectLastInSeq(SubSeq(s, from, to), Test)
InsertAt(s, i, e) == SubSeq(s, 1, i - 1) \o <<e>> \o SubSeq(s, i, Len(s))
ReplaceAt(s, i, e) == [s EXCEPT ![i] = e]
RemoveAt(s, i) == SubSeq(s, 1, i - 1) \o SubSeq(s, i + 1, Len(s))
RemoveFirst(s, e) == IF Contains(s, e) THEN RemoveAt(s, SelectInSeq(s, LAMBDA x : x = e)) ELSE s
RemoveFirstMatch(s, Test(_)) ==
  IF \E i \in 1..Len(s) : Test(s[i]) THEN RemoveAt(s, SelectInSeq(s, Test)) ELSE s
Cons(e, s) == <<e>> \o s
Snoc(e, s) == Append(s, e)
Front(s) == SubSeq(s, 1, Len(s) - 1)
Last(s) == s[Len(s)]
IsPrefix(s, t) == Len(s) <= Len(t) /\ SubSeq(t, 1, Len(s)) = s
IsStrictPrefix(s, t) == IsPrefix(s, t) /\ s # t
IsSuffix(s, t) == IsPrefix(Reverse(s), Reverse(t))
IsStrictSuffix(s, t) == IsSuffix(s, t) /\ s # t
Prefixes(s) == {SubSeq(s, 1, n) : n \in 0..Len(s)}
CommonPrefixes(S) == {p \in UNION {Prefixes(s) : s \in S} : \A t \in S : IsPrefix(p, t)}
LongestCommonPrefix(S) ==
  CHOOSE p \in CommonPrefixes(S) : \A q \in CommonPrefixes(S) : Len(q) <= Len(p)
Suffixes(s) == {SubSeq(s, n, Len(s)) : n \in 1..Len(s)} \cup {<<>>}
SeqMod(a, b) == IF a % b = 0 THEN b ELSE a % b
FoldSeq(op(_, _), base, s) == FoldFunction(op, base, s)
FoldLeft(op(_, _), base, s) ==
  MapThenFoldSet(LAMBDA x, y : op(y, x), base, LAMBDA i : s[i], LAMBDA I : Max(I), DOMAIN s)
FoldRight(op(_, _), s, base) ==
  MapThenFoldSet(op, base, LAMBDA i : s[i], LAMBDA I : Min(I), DOMAIN s)
FoldLeftDomain(op(_, _), base, s) == FoldLeft(op, base, [i \in DOMAIN s |-> i])
FoldRightDomain(op(_, _), s, base) == FoldRight(op, [i \in DOMAIN s |-> i], base)
FlattenSeq(ss) == FoldLeft(LAMBDA acc, s : acc \o s, <<>>, ss)
Zip(s, t) == [i \in 1..Min({Len(s), Len(t)}) |-> <<s[i], t[i]>>]
SubSeqs(s) == {SubSeq(s, i + 1, j) : i, j \in 0..Len(s)}
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
