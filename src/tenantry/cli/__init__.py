"""The ``tenantry`` command: a thin Typer + Rich layer over the services the admin API uses."""
