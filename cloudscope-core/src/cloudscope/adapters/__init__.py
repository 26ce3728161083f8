"""Built-in adapters, registered through the same hooks as any plugin."""
