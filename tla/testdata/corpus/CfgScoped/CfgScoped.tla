------------------------------ MODULE CfgScoped ------------------------------
(* Module-scoped cfg substitutions: Empty = [Store]EmptyVal gives the
   instance's unbounded-CHOOSE marker a model value, and Seq <- [Store]Short
   bounds Seq inside Store only (this module's Seq stays the real one). *)
EXTENDS Naturals, Sequences
CONSTANT EmptyVal
VARIABLES slot, queue
Vals == {"a", "b"}
S == INSTANCE Store
Short(T) == UNION {[1..n -> T] : n \in 0..2}
Spec == S!Init /\ [][S!Next]_<<slot, queue>>
TypeOK == slot \in Vals \cup {EmptyVal} /\ queue \in Seq(Vals) /\ Len(queue) <= 2
EmptyIsModelValue == S!Empty = EmptyVal
=============================================================================
