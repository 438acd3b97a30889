"""Pilots that scale: registration, trojka, stakeholders, followers and adoption per organisation (issue 10)."""
