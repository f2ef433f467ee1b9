"""Hosted login pages: server-rendered, one form per step, CSRF on every form, 303 after every POST."""
