--------------------------- MODULE RequestResponse ---------------------------
(* [](P => <>Q): every request is eventually answered, with a server that
   is weakly fair. *)
EXTENDS Naturals
VARIABLES req, ack, served
vars == <<req, ack, served>>
Init == req = FALSE /\ ack = FALSE /\ served = 0
Send == ~req /\ ~ack /\ req' = TRUE /\ UNCHANGED <<ack, served>>
Answer == req /\ ~ack /\ ack' = TRUE /\ served' = (served + 1) % 3 /\ UNCHANGED req
Reset == req /\ ack /\ req' = FALSE /\ ack' = FALSE /\ UNCHANGED served
Next == Send \/ Answer \/ Reset
Spec == Init /\ [][Next]_vars /\ WF_vars(Answer) /\ WF_vars(Reset)
Answered == [](req => <>ack)
=============================================================================
