"""The domain: assets, relationships, findings, scopes and the services over them.

This layer imports nothing from ports, host, application, adapters, infrastructure or cli.
"""
