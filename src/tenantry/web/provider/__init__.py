"""The OpenID provider's HTTP surface: plain Starlette routes, one realm per request (resolved at the edge)."""
