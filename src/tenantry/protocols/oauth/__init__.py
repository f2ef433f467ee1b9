"""OAuth 2.0 (RFC 6749) with the security rules of RFC 9700."""
