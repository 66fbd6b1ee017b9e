---------------------------- MODULE MissingModule ----------------------------
(* Extends a module that does not exist: exit 150. *)
EXTENDS Naturals, NoSuchModule
VARIABLE x
Init == x = 0
Next == x' = x
=============================================================================
