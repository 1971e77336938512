"""Manager reports: pages and file exports (views call triage.services.reports)."""
