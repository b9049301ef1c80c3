"""The default templates and fonts, installed as the data package ``gosprog_templates``
(see setup.py); ``generator.templates`` finds them through ``importlib.resources``."""
