"""CSV (LLM-ready), JSON, JSON Lines, GraphML and DOT exporters for CloudScope."""

__version__ = "0.1.0"
