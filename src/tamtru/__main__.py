"""`python -m tamtru`: the same as the `tamtru` command."""

from tamtru.cli import main

main()
