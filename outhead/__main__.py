"""Entry point for ``python -m outhead``."""

from outhead.cli import main

main()
