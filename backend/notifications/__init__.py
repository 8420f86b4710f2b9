"""Notifications: the transactional outbox, the inbox and push delivery."""
