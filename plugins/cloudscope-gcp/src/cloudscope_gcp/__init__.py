"""Google Cloud (Cloud Asset Inventory) collector for CloudScope."""

__version__ = "0.1.0"
