"""Analyses: pure functions from the story's views (and filters) to small aggregated frames, one module a chapter."""
