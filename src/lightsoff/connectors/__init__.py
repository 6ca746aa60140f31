"""Adapters to external systems, one package each: client (wire protocol), translate (pure), connector (the port)."""
