"""The municipal intake portal (``gosprog serve``): municipalities download their pre-filled forms,
submit them and see the checks at once; the department follows every municipality's status and
downloads the consolidated reports. Server-rendered pages (FastAPI + Jinja2), no JavaScript needed.

Modules: :mod:`.settings` (environment), :mod:`.db` (SQLAlchemy models, Alembic migrations),
:mod:`.accounts` (Argon2 passwords, login rate limits, audit log), :mod:`.quarterly` (the ONE adapter to
``generator.quarterly``: forms, import, reports), :mod:`.app` (the web application), :mod:`generator.cli.portal`
(``gosprog serve`` and ``gosprog users``).
"""
