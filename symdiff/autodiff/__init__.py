"""Differentiation passes: each adds derivative nodes to the same graph."""
