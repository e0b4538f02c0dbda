"""Optimisation engines (pure Python, no Django)."""
