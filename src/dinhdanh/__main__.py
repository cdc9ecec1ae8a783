"""`python -m dinhdanh` runs the CLI."""

from dinhdanh.cli import main

main()
