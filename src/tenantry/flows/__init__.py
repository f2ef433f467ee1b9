"""Login state machines: what the next step of a hosted login is, independent of HTTP and storage."""
