"""I/O-free protocol engines, one package per standard. Each endpoint is an ordered list of checks."""
