"""CloudScope: a multi-cloud asset inventory with a plugin host.

Plugin authors import :mod:`cloudscope.api` only; every other module is internal.
"""

__version__ = "0.1.0"
