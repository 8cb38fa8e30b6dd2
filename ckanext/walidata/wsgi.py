"""The portal as a WSGI application, for gunicorn, uwsgi or mod_wsgi.

``CKAN_INI`` names the configuration file (as for the ``ckan`` command)::

    CKAN_INI=/etc/ckan/production.ini gunicorn ckanext.walidata.wsgi:application

Importing this module builds the application once per server process; with
gunicorn's ``--preload`` once in the master, before the workers fork.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app


def _config_path() -> str:
    path = os.environ.get("CKAN_INI") or os.environ.get("CKAN_CONFIG")
    if not path:
        raise RuntimeError("Set CKAN_INI to the portal's configuration file "
                           "(for example /etc/ckan/production.ini).")
    path = os.path.abspath(path)
    if not os.path.exists(path):
        raise RuntimeError(f"CKAN configuration file not found: {path}")
    return path


CONFIG_PATH = _config_path()
_CONFIG = CKANConfigLoader(CONFIG_PATH).get_config()
# The loader applies the ini's logging with Python's default, which disables every
# logger that already exists: gunicorn's access and error logs among them. Apply it
# again keeping them.
fileConfig(CONFIG_PATH, disable_existing_loggers=False)
application = make_app(_CONFIG)
