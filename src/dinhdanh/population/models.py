"""Registry tables (written by the population engineer)."""
