"""Upstream enterprise SSO: OpenID relying party, SAML service provider, attribute mapping and JIT rules."""
