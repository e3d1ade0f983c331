"""The REST API under /api/v1/: it translates HTTP to services and selectors, nothing more."""
