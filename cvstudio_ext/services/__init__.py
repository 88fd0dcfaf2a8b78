"""Use cases, one module per resource. Plain classes: usable from a script or a test
without a server; they own the transactions and know nothing of HTTP.

`Services` (container.py) builds them all; it is imported only when needed so that
loading the extension stays light.
"""
