"""Use cases: load, decide with the domain and the rules, save events and read models in one unit of work."""
