"""Worked-solutions generator: scenario TOML -> torch run + exact sympy derivation -> Markdown pages."""
