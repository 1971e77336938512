"""Bulk import of police notifications: the screener's upload page."""
