"""RQ job code. Imports point one way: workers -> triage, never the reverse."""
