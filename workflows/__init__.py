"""Orchestration with viewflow: who must act next. Legal state lives in ``licensing``."""
