"""Amazon Web Services collector for CloudScope."""

__version__ = "0.1.0"
