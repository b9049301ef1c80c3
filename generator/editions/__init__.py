"""The editions report family: what changed between two editions of a program, and its documents.

* :mod:`.compare` - :func:`~.compare.compare` two loaded editions into a :class:`~.compare.ProgramDiff`
  (typed changes: money, figures, texts, rows added and removed; no I/O, no documents);
* :mod:`.documents` - the builders (the comparison table, the explanatory note) and :func:`~.documents.plan`,
  the package of ``gosprog diff`` (:mod:`generator.plans`).

The old module paths ``generator.diff`` and ``generator.builders.editions`` are the same modules.
"""
