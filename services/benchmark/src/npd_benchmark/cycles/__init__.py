"""Cycles and submissions: a yearly round of the benchmark and each organisation's figures in it."""
