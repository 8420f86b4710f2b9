"""Objections (异议): a citizen disputes a record; the department and the credit office decide."""
