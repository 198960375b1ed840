"""The event store: its schema, storing coded articles, the questions analysts ask, exports.

Only this package speaks SQL or touches the DuckDB connection.
"""
