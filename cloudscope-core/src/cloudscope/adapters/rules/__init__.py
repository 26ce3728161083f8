"""The baseline rules: YAML packs per cloud, Python rules, and their registration."""
