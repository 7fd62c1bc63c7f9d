"""Locale tables: one TOML file per language, mapping translated keywords to canonical ones."""
