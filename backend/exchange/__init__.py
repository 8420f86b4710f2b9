"""The exchange with the provincial credit platform: the outbox's events pushed in signed
batches, acknowledged or rejected per item, and the office's view of it."""
