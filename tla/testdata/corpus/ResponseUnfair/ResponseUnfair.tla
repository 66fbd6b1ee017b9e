--------------------------- MODULE ResponseUnfair ---------------------------
(* [](P => <>Q) fails: the server is fair only to resets, not to answers,
   and a pending request can be withdrawn and re-sent for ever. *)
EXTENDS Naturals
VARIABLES req, ack
vars == <<req, ack>>
Init == req = FALSE /\ ack = FALSE
Send == ~req /\ ~ack /\ req' = TRUE /\ UNCHANGED ack
Withdraw == req /\ ~ack /\ req' = FALSE /\ UNCHANGED ack
Answer == req /\ ~ack /\ ack' = TRUE /\ UNCHANGED req
Reset == req /\ ack /\ req' = FALSE /\ ack' = FALSE
Next == Send \/ Withdraw \/ Answer \/ Reset
Spec == Init /\ [][Next]_vars /\ WF_vars(Reset) /\ WF_vars(Send)
Answered == [](req => <>ack)
Progress == req ~> (ack \/ ~req)
=============================================================================
