"""Build the search document of a dataset, field for field as CKAN sends it to Solr.

CKAN 2.12 assembles the Solr document inside ``PackageSearchIndex.index_package``
and sends it in the same function, so the steps cannot be reused without
Solr. This module follows them one by one (extras in the main namespace,
vocabulary tags as ``vocab_*``, ``res_*`` lists, relationships, ``*_date``
normalisation, ``capacity``, ``before_dataset_index`` plugins, permission
labels), so a document here and a Solr document carry the same fields and
every IPackageController plugin sees what it would see with Solr.
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import re
import string
from typing import Any

import ckan.lib.navl.dictization_functions as dictization
import ckan.lib.plugins as lib_plugins
import ckan.logic as logic
import ckan.model as model
import ckan.plugins as plugins
from ckan.common import config
from dateutil.parser import ParserError as DateParserError
from dateutil.parser import parse as parse_date

log = logging.getLogger(__name__)

KEY_CHARS = string.digits + string.ascii_letters + "_-"
RESERVED_FIELDS = ["entity_type", "res_url", "text", "urls", "indexed_ts", "site_id", "tags",
                   "groups", "res_name", "res_description", "res_format", "res_url", "res_type"]
RESOURCE_FIELDS = [("name", "res_name"), ("description", "res_description"),
                   ("format", "res_format"), ("url", "res_url"), ("resource_type", "res_type")]
_ILLEGAL_XML_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def build_document(pkg_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The document for one dataset; None when it must leave the index.

    ``pkg_dict`` is what CKAN hands to the index: the default-schema dict
    with the custom-schema one under ``with_custom_schema``.
    """
    pkg_dict = dict(pkg_dict)
    validated = pkg_dict.pop("with_custom_schema")
    pkg_dict["data_dict"] = json.dumps(pkg_dict)
    pkg_dict["validated_data_dict"] = json.dumps(validated, cls=dictization.MissingNullEncoder)
    if pkg_dict.get("title"):
        pkg_dict["title_string"] = pkg_dict["title"]
    if config.get("ckan.search.remove_deleted_packages") and pkg_dict.get("state") in (
            None, "deleted"):
        return None

    index_fields = RESERVED_FIELDS + list(pkg_dict.keys())
    for extra in pkg_dict.pop("extras", None) or []:
        key, value = extra["key"], extra["value"]
        if isinstance(value, (tuple, list)):
            value = " ".join(map(str, value))
        key = "".join(c for c in key if c in KEY_CHARS)
        pkg_dict["extras_" + key] = value
        if key not in index_fields:
            pkg_dict[key] = value

    _flatten_tags(pkg_dict)
    pkg_dict["capacity"] = "private" if pkg_dict.get("private") else "public"
    pkg_dict["groups"] = [group["name"] for group in pkg_dict.pop("groups", None) or []]
    organization = pkg_dict.get("organization")
    pkg_dict["organization"] = organization["name"] if organization else None

    resource_fields = RESOURCE_FIELDS + [
        (e, "res_extras_" + e) for e in model.Resource.get_extra_columns()]
    for resource in pkg_dict.pop("resources", None) or []:
        for key, index_key in resource_fields:
            pkg_dict[index_key] = pkg_dict.get(index_key, []) + [resource.get(key, "")]

    _flatten_relationships(pkg_dict)
    pkg_dict["entity_type"] = "package"
    pkg_dict["dataset_type"] = pkg_dict["type"]
    pkg_dict = _normalise_dates(pkg_dict)
    for key in ("title", "notes", "title_string"):
        if pkg_dict.get(key):
            pkg_dict[key] = _ILLEGAL_XML_CHARS_RE.sub("", pkg_dict[key])
    pkg_dict["metadata_created"] += "Z"
    pkg_dict["metadata_modified"] += "Z"
    pkg_dict["site_id"] = config.get("ckan.site_id")
    if pkg_dict.get("title"):
        pkg_dict["title"] = pkg_dict["title"].lstrip()
    pkg_dict["index_id"] = hashlib.md5(
        f"{pkg_dict['id']}{config.get('ckan.site_id')}".encode()).hexdigest()

    for item in plugins.PluginImplementations(plugins.IPackageController):
        pkg_dict = item.before_dataset_index(pkg_dict)
    assert pkg_dict, "Plugin must return non empty package dict on index"

    # Labels decide visibility; no dataset dict or plugin may set them.
    dataset = model.Package.get(pkg_dict["id"])
    labels = lib_plugins.get_permission_labels()
    pkg_dict["permission_labels"] = labels.get_dataset_labels(dataset) if dataset else []
    return pkg_dict


def _flatten_tags(pkg_dict: dict[str, Any]) -> None:
    free_tags = []
    for tag in pkg_dict.pop("tags", None) or []:
        if tag.get("vocabulary_id"):
            vocab = logic.get_action("vocabulary_show")({}, {"id": tag["vocabulary_id"]})
            pkg_dict.setdefault("vocab_" + vocab["name"], []).append(tag["name"])
        else:
            free_tags.append(tag["name"])
    pkg_dict["tags"] = free_tags


def _flatten_relationships(pkg_dict: dict[str, Any]) -> None:
    related: dict[str, list[str]] = collections.defaultdict(list)
    for rel in pkg_dict.pop("relationships_as_object", None) or []:
        kind = model.PackageRelationship.forward_to_reverse_type(rel["type"])
        subject = model.Package.get(rel["subject_package_id"])
        if subject:
            related[kind].append(subject.name)
    for rel in pkg_dict.pop("relationships_as_subject", None) or []:
        target = model.Package.get(rel["object_package_id"])
        if target:
            related[rel["type"]].append(target.name)
    for key, names in related.items():
        pkg_dict.setdefault(key, names)


def _normalise_dates(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """ISO dates in UTC for ``*_date`` keys; unparseable ones are dropped (as CKAN does)."""
    result = {}
    for key, value in pkg_dict.items():
        if key.endswith("_date"):
            if not value:
                continue
            try:
                moment = parse_date(value)
            except (DateParserError, OverflowError, TypeError):
                log.warning("%r: %r value of %r is not a valid date", pkg_dict["id"], key, value)
                continue
            value = moment.isoformat() + ("" if moment.tzinfo else "Z")
        result[key] = value
    return result
