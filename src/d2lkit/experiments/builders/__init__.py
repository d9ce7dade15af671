"""Builders: what a config's names become (data sets, losses, optimisers, models)."""
