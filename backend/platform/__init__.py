"""Cross-cutting platform: settings, database, redis, errors, pagination, audit, calendar."""
