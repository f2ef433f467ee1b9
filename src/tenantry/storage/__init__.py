"""SQLAlchemy tables and repositories for both planes, engines per data plane, two Alembic trees."""
