"""Logs now; metrics and traces join here."""
