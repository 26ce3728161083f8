"""Use cases: collect, query, assess, export."""
