"""Packaging: the ``generator`` package, and ``templates/`` (the design card: page setup, texts, fonts)
installed beside it as the data package ``gosprog_templates``, so a wheel carries what the PDF engines need.
Metadata and dependencies are in setup.cfg; exact versions in requirements.lock."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["generator", "generator.*"]) + ["gosprog_templates"],
      package_dir={"gosprog_templates": "templates"},
      package_data={"gosprog_templates": ["*.typ", "*.j2", "*.css", "*.yaml", "fonts/*.ttf", "fonts/*.txt"],
                    "generator.portal": ["templates/*.html", "migrations/script.py.mako"],
                    "generator": ["locale/*/LC_MESSAGES/*.mo"]})
