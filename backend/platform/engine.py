"""The one Piccolo engine. Its DSN is set at start-up (``database.configure_engine``); tables
name it explicitly so importing a table never imports the app registry."""

from piccolo.engine.postgres import PostgresEngine

DB = PostgresEngine(config={})
