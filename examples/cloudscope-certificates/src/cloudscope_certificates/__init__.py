"""Example CloudScope plugin: X.509 certificates from PEM files."""

__version__ = "0.1.0"
