"""Services: every write to the domain, each in one transaction with its audit entry."""
