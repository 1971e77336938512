"""Web plumbing shared by every blueprint: security headers, errors, template helpers."""
