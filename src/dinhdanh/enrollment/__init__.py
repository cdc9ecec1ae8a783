"""Enrollment: card applications, account registration, and the card they produce."""
