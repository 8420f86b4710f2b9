"""Merchant verification codes, consents, the credit lock and the query log."""
