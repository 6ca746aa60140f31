"""Pure rules for the edge conditions: each looks at an order and reference data and reports findings.

A finding a rule cannot settle on its own becomes an exception case in the service layer.
"""
