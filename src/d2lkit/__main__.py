"""``python -m d2lkit`` runs the CLI."""

from d2lkit.cli import main

main()
