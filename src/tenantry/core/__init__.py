"""Entities, value objects, invariants and domain errors. Pure: standard library and pydantic only."""
