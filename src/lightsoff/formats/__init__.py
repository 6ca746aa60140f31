"""Document codecs: canonical JSON today; X12, EDIFACT, spreadsheets and e-mail follow the same shape.

A codec turns bytes into domain objects or into located problems (path, code, message). It never
writes anything: archiving and deciding are the service layer's job.
"""
