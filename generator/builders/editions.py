"""Moved: the editions' documents are :mod:`generator.editions.documents` (this name is the same module)."""

import sys

from ..editions import documents as _documents

sys.modules[__name__] = _documents
