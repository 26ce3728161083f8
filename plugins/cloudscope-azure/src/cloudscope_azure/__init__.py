"""Microsoft Azure (Resource Manager) collector for CloudScope."""

__version__ = "0.1.0"
