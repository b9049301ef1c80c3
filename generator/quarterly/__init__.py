"""Quarterly subsidy reporting: subsidies and forms as data, pre-filled XLSX forms, import with
checks into a submissions registry, and the per-municipality and consolidated reports."""
