"""Objections (异议): a citizen disputes a record; the department and the credit office decide.

Also home of what objections and repairs share (``cases``: steps, deadlines, statistics, the
hourly deadline check; ``evidence``: evidence files)."""
