"""Readers: program data (YAML) into typed, validated domain objects."""

from .errors import DataError, DataErrors
from .loader import load_program

__all__ = ["DataError", "DataErrors", "load_program"]
