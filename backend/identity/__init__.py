"""Identity: citizens, accounts, one-time codes, tokens, API clients and officers."""
