------------------------------- MODULE Records -------------------------------
(* Records and functions updated with EXCEPT: @, nested paths ![a][b],
   field paths !.f and mixed ![a].f, several updates in one EXCEPT. *)
EXTENDS Naturals

CONSTANT Keys

VARIABLES db, log

vars == <<db, log>>

Init ==
    /\ db = [k \in Keys |-> [ver |-> 0, tags |-> {}, meta |-> [owner |-> "none", hits |-> 0]]]
    /\ log = [last |-> "none", count |-> 0]

Bump(k) ==
    /\ db[k].ver < 2
    /\ db' = [db EXCEPT ![k].ver = @ + 1, ![k].meta.hits = @ + 1]
    /\ log' = [log EXCEPT !.last = k, !.count = (@ + 1) % 3]

Tag(k, t) ==
    /\ t \notin db[k].tags
    /\ db' = [db EXCEPT ![k] = [@ EXCEPT !.tags = @ \cup {t}]]
    /\ log' = [log EXCEPT !["last"] = k]

Own(k) ==
    /\ db[k].meta.owner = "none"
    /\ db' = [db EXCEPT ![k]["meta"].owner = "me"]
    /\ UNCHANGED log

Reset(k) ==
    /\ db[k].ver = 2
    /\ db' = [db EXCEPT ![k] = [ver |-> 0, tags |-> db[k].tags, meta |-> db[k].meta]]
    /\ UNCHANGED log

Next == \E k \in Keys : Bump(k) \/ Own(k) \/ Reset(k) \/ \E t \in {"x", "y"} : Tag(k, t)

Spec == Init /\ [][Next]_vars

Entry == [ver : 0..2, tags : SUBSET {"x", "y"}, meta : [owner : {"none", "me"}, hits : Nat]]

TypeOK ==
    /\ db \in [Keys -> Entry]
    /\ log \in [last : Keys \cup {"none"}, count : 0..2]
    /\ DOMAIN log = {"last", "count"}

Small == \A k \in Keys : db[k].meta.hits <= 4
=============================================================================
