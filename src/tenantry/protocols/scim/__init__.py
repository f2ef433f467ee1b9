"""SCIM 2.0 (RFC 7643, RFC 7644) as I/O-free pieces: errors, resources, filters, PATCH, discovery."""
