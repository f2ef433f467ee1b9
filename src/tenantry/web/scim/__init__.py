"""SCIM 2.0 over HTTP: ``{issuer}/scim/v2/...``, answered before FastAPI like the provider endpoints."""
