"""Control-plane repositories."""
