"""The licensing domain: models, legal rules, services and selectors.

This package imports neither viewflow nor Django REST framework (see design.md "Layout").
"""
