"""CKAN plugins of ckanext-walidata; each only wires interfaces to the modules that do the work."""

from __future__ import annotations

import json
import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import yaml
from ckan.config.declaration import Declaration, Key
from ckan.config.declaration.option import Flag
from ckan.exceptions import CkanConfigurationException
from ckan.lib.plugins import DefaultPermissionLabels, DefaultTranslation

from . import cli, completeness, helpers
from .logic import action, auth, quality, validators
from .search import backend
from .validation import review as quality_review
from .validation import runner
from .validation import template_helpers as quality_helpers
from .views import get_blueprints
from .workflow import roles, store, template_helpers

DEFAULT_LABELS = DefaultPermissionLabels()

HERE = os.path.dirname(__file__)


def _load_declaration(declaration: Declaration, path: str) -> None:
    with open(path) as src:
        declaration.load_dict(yaml.safe_load(src))


class WalidataPlugin(p.SingletonPlugin, DefaultTranslation):
    """The Satu Data portal: SDI schemas, reference codes, completeness score, commands."""

    p.implements(p.IConfigurer)
    p.implements(p.IClick)
    p.implements(p.IValidators)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.ITranslation)
    p.implements(p.IPermissionLabels)
    p.implements(p.IConfigDeclaration)

    def declare_config_options(self, declaration: Declaration, key: Key) -> None:
        _load_declaration(declaration, os.path.join(HERE, "config_declaration.yaml"))

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        runner.install_session_hooks()

    def get_commands(self) -> list:
        return cli.get_commands()

    def get_validators(self) -> dict[str, Any]:
        return validators.get_validators()

    def get_helpers(self) -> dict[str, Any]:
        return {**helpers.get_helpers(), **template_helpers.get_helpers(),
                **quality_helpers.get_helpers()}

    def get_actions(self) -> dict[str, Any]:
        return {**action.get_actions(), **quality.get_actions()}

    def get_auth_functions(self) -> dict[str, Any]:
        return auth.get_auth_functions()

    def get_blueprint(self) -> list:
        return get_blueprints()

    def dataset_facets(self, facets_dict: dict, package_type: str) -> dict:
        return helpers.add_sdi_facets(facets_dict)

    def organization_facets(self, facets_dict: dict, organization_type: str,
                            package_type: str | None) -> dict:
        return helpers.add_sdi_facets(facets_dict)

    def group_facets(self, facets_dict: dict, group_type: str,
                     package_type: str | None) -> dict:
        return helpers.add_sdi_facets(facets_dict)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        """Index the completeness score (searchable, sortable, facetable in bands)."""
        dataset = json.loads(pkg_dict.get("validated_data_dict") or "{}")
        result = helpers.walidata_completeness(dataset)
        pkg_dict["completeness_score"] = result.score
        pkg_dict["completeness_band"] = completeness.band_of(result.score)
        statuses = [r.get("validation_status") for r in dataset.get("resources") or []]
        pkg_dict["validation_status"] = runner.dataset_status(
            [{"status": status} for status in statuses if status])
        return pkg_dict

    def after_dataset_create(self, context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        self._schedule_checks(context, pkg_dict)

    def after_dataset_update(self, context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        self._schedule_checks(context, pkg_dict)

    @staticmethod
    def _schedule_checks(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
        """A new or changed CSV/XLSX file is validated in the background after commit."""
        if pkg_dict.get("id"):
            runner.schedule({"id": pkg_dict["id"],
                             "resources": runner.stored_resources(pkg_dict["id"])},
                            context.get("user"))

    def after_dataset_show(self, context: dict[str, Any], pkg_dict: dict[str, Any]
                           ) -> dict[str, Any]:
        """ckanext-validation's resource fields, read from the validation table."""
        quality_review.add_resource_status(pkg_dict)
        return pkg_dict

    def get_dataset_labels(self, dataset_obj: Any) -> list[str]:
        """CKAN's labels, plus the reviewers' while the dataset is in their review."""
        review = store.get(dataset_obj.id)
        return DEFAULT_LABELS.get_dataset_labels(dataset_obj) + roles.review_labels(
            review.state if review else None, dataset_obj.type)

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        return DEFAULT_LABELS.get_user_dataset_labels(user_obj) + roles.user_review_labels(
            user_obj)

    def after_dataset_search(self, search_results: dict[str, Any],
                             search_params: dict[str, Any]) -> dict[str, Any]:
        helpers.name_reference_facets(search_results.get("search_facets") or {})
        return search_results


class WalidataSearchPlugin(p.SingletonPlugin):
    """Dataset search on PostgreSQL, so a portal runs without Solr."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigDeclaration)

    def declare_config_options(self, declaration: Declaration, key: Key) -> None:
        _load_declaration(declaration, os.path.join(HERE, "search", "config_declaration.yaml"))
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
            # CKAN validates the configuration again with no plugin loaded whenever it
            # reloads its plugins (`load_all`: every background job does so right after
            # the worker forks), and core declares solr_url required. Keep it answered
            # in this process so that moment passes; nothing reads it while this backend
            # is installed.
            if not config.get("solr_url"):
                config["solr_url"] = backend.NO_SOLR
