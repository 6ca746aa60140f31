"""Who hears of an exception case: e-mail to the owning team, and escalation of cases nobody handled in time."""
