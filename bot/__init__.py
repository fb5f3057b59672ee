"""Rightsize engine: scenarios, rounds, votes, scoring and cards, with no chat library."""
