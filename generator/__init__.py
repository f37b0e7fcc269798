"""Personalised, dated rehab plans from athlete profiles and protocol content."""

__version__ = "0.1.0"
