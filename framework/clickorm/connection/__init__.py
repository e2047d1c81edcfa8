"""Connections: the protocol dialects implement, and the manager that opens them."""
