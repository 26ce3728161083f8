"""Ports: the hook specs and the interfaces that adapters and plugins implement."""
