"""Practices: what members tried, with a confidentiality label enforced on every read path (issue 10)."""
