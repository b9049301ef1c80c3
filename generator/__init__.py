"""gosprog: official documents of regional state programs, from structured data.

The package follows a reader → document model → writer design:

* :mod:`generator.data` reads and validates program data into typed objects;
* :mod:`generator.builders` turn those objects into a format-neutral
  :class:`generator.model.Document`;
* :mod:`generator.writers` render a document to DOCX, XLSX or PDF.
"""

__version__ = "0.1.0"
