"""Realm and organization resolution, home-realm discovery, policy evaluation."""
