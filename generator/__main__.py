"""``python -m generator`` is the ``gosprog`` command."""

from .cli import main

main(prog_name="gosprog")
