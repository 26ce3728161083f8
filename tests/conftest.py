"""Shared test configuration. Fixtures for plugin authors live in cloudscope.testing."""
