"""The case machine (案件办理), once, for every kind of case a citizen opens against a body:
objections (异议), repair applications (信用修复申请) and, next, reports (举报).

What is common lives here and never names a kind:

- ``kinds``: a kind declared as data: its states (open ones with a stage whose deadline, in
  working days, comes from a setting; whether it is the department's turn), its actions (from
  which states, to which, who may take each, whether it closes the case).
- ``machine``: locking a case, checking a transition against the declaration, recording it
  (step, statistics, audit entry, outbox notice), withdrawal, the staff's access and query log.
- ``deadlines``: the deadline of each stage and the hourly check that counts lapses against
  the handling body (政务诚信); ``statistics``: counts per body and kind.
- ``views``: generic readers for the citizen's list and case, the staff queues and case view.
- ``evidence``, ``tables``, ``schemas``, ``routes``: the evidence files, the step and evidence
  tables, the shared wire shapes, the evidence downloads and the statistics route.

A kind is a folder of its own (``backend/objections/``, ``backend/repairs/``) holding only
what is its own:

1. ``kind.py``: ``register(CaseKind(name=..., table=..., states=(...), actions=(...)))``;
2. ``tables.py``: its case table (the columns the machine reads: status, due_on, department,
   citizen, record, closed_at, department_late, plus its own);
3. ``service.py``: its rules and its effects on the record and the card, each transition
   through ``machine.record_transition`` in the caller's transaction;
4. ``routes.py``, ``schemas.py``, ``jobs.py``: its routes and wire shapes, and its deadline job
   (``deadlines.check_deadlines(KIND)``).

Nothing else is copied: statistics, deadlines, queues and evidence pick the new kind up from
its registration.
"""
