"""``python -m generator`` is the ``gosprog`` command (:func:`generator.cli.run`)."""

from .cli import run

run(prog_name="gosprog")
