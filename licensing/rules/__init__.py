"""Pure legal time rules: working days (Art. 82) and the clock ledger (Arts. 32, 42-45, 55).

Standard library only. Nothing here reads the database or the system clock: holidays arrive as
a :class:`~licensing.rules.working_days.Calendar` and ``today`` is always a parameter.
"""
