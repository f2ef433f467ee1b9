"""SAML 2.0 identity provider: I/O-free checks, builders and the attribute mapping (SPEC I1-I5)."""
