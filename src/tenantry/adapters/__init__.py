"""Implementations of the small ports that reach outside the process: password hashing, DNS, secrets."""
