"""Data-plane repositories, each bound to (realm, data plane)."""
