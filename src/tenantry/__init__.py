"""Tenantry: a self-hostable, multi-tenant identity and tenancy platform."""

__version__ = "0.1.0"
