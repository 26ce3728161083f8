"""The plugin host: discovery, checks, loading, component registries and rate limiting."""
