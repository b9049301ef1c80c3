"""Moved: the comparison of two editions is :mod:`generator.editions.compare` (this name is the same module)."""

import sys

from .editions import compare as _compare

sys.modules[__name__] = _compare
