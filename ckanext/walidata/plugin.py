"""CKAN plugins of ckanext-walidata; each only wires interfaces to the modules that do the work."""

from __future__ import annotations

import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import yaml
from ckan.config.declaration import Declaration, Key
from ckan.config.declaration.option import Flag
from ckan.exceptions import CkanConfigurationException

from . import cli
from .search import backend

HERE = os.path.dirname(__file__)


class WalidataPlugin(p.SingletonPlugin):
    """The Satu Data portal: templates, translations and the ``ckan walidata`` commands."""

    p.implements(p.IConfigurer)
    p.implements(p.IClick)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")

    def get_commands(self) -> list:
        return cli.get_commands()


class WalidataSearchPlugin(p.SingletonPlugin):
    """Dataset search on PostgreSQL, so a portal runs without Solr."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigDeclaration)

    def declare_config_options(self, declaration: Declaration, key: Key) -> None:
        with open(os.path.join(HERE, "config_declaration.yaml")) as src:
            declaration.load_dict(yaml.safe_load(src))
        # With the PostgreSQL backend Solr is optional; update_config insists
        # on solr_url again when the Solr backend is chosen.
        solr_url = declaration.get("solr_url")
        if solr_url is not None:
            solr_url.flags &= ~Flag.required

    def update_config(self, config: Any) -> None:
        if config.get("ckanext.walidata.search_backend", "postgres") == "solr":
            if not config.get("solr_url"):
                raise CkanConfigurationException(
                    "ckanext.walidata.search_backend = solr needs solr_url")
            backend.uninstall()
        else:
            backend.install()
