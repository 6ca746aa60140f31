"""The pure domain: plain Python, no I/O and no framework imports.

Everything here can be tested without a database, a network or a clock; the service layer loads,
decides with these types and commits.
"""
