"""Jinja2 templates: reports, notebooks, CI and Gradescope files (package data, not code)."""
