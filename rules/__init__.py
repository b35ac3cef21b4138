"""The rule catalogue: one module per rule (see reviewbot/rule.py)."""
