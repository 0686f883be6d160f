"""The gateway's routers, one per feature."""
