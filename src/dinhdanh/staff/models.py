"""Staff tables (written by the staff engineer)."""
