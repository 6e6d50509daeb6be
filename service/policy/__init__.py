"""Pure policies: who sees what, and which aggregates may be shown."""
