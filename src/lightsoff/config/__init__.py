"""Configuration files a user writes: partner profiles, the product master, exception routing.

Every problem is reported with its file, line and field, all at once, so one ``lightsoff config
check`` shows everything to fix.
"""
