"""Audit trail administration: a case's audit history and the chain verification."""
