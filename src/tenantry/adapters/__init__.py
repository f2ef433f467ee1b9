"""Implementations of the small ports that reach outside the process: hashing, DNS, secrets."""
