"""A new period of a published dataset, reviewed on a private copy.

The public keeps seeing the last approved version: the OPD works on a copy
(metadata and files), the copy goes through the whole review, and publishing it
carries its metadata and files over to the original, which never stops being
public. The copy is then deleted; its events stay in the log.
"""

from __future__ import annotations

import io
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.lib import files, uploader
from werkzeug.datastructures import FileStorage

# Fields that belong to one CKAN dataset and are not carried between copies.
OWN_FIELDS = {"id", "name", "resources", "organization", "groups", "relationships_as_object",
              "relationships_as_subject", "metadata_created", "metadata_modified",
              "revision_id", "num_resources", "num_tags", "state", "private",
              "creator_user_id", "isopen", "license_title", "license_url", "tracking_summary"}
RESOURCE_OWN_FIELDS = {"id", "package_id", "created", "last_modified", "metadata_modified",
                       "position", "revision_id", "cache_url", "cache_last_updated",
                       "url_type", "size", "hash", "mimetype", "datastore_active"}


def original_of(revision_id: str) -> str | None:
    return model.Session.execute(sa.text(
        "SELECT original_id FROM walidata_revision WHERE revision_id = :id"),
        {"id": revision_id}).scalar()


def open_revisions(original_id: str) -> list[str]:
    return list(model.Session.execute(sa.text(
        "SELECT r.revision_id FROM walidata_revision r JOIN package p ON p.id = r.revision_id "
        "WHERE r.original_id = :id AND p.state = 'active'"), {"id": original_id}).scalars())


def _file_of(resource: dict[str, Any]) -> bytes:
    upload = uploader.get_resource_uploader(resource)
    path = upload.get_path(resource["id"])
    storage = getattr(upload, "storage", None)
    if storage is not None and hasattr(storage, "stream"):
        location = files.Location(path)
        data = files.FileData(location, size=storage.size(location))
        return b"".join(storage.stream(data))
    with open(path, "rb") as handle:
        return handle.read()


def copy_resources(source: dict[str, Any], target_id: str, context: dict[str, Any]) -> None:
    """Each resource of ``source`` recreated on ``target_id``, uploaded files included."""
    for resource in source.get("resources") or []:
        fields = {k: v for k, v in resource.items() if k not in RESOURCE_OWN_FIELDS}
        fields["package_id"] = target_id
        if resource.get("url_type") == "upload":
            filename = (resource.get("url") or "data").rsplit("/", 1)[-1]
            fields.update(url=filename, url_type="upload", upload=FileStorage(
                stream=io.BytesIO(_file_of(resource)), filename=filename,
                content_type=resource.get("mimetype") or "application/octet-stream"))
        tk.get_action("resource_create")(dict(context), fields)


def start(original: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The private copy of a published dataset where the OPD prepares its next period."""
    number = len(model.Session.execute(sa.text(
        "SELECT 1 FROM walidata_revision WHERE original_id = :id"),
        {"id": original["id"]}).all()) + 1
    fields = {k: v for k, v in original.items() if k not in OWN_FIELDS}
    copy = tk.get_action("package_create")(dict(context), dict(
        fields, name=f"{original['name'][:88]}-revisi-{number}", owner_org=original["owner_org"],
        private=True))
    model.Session.execute(sa.text(
        "INSERT INTO walidata_revision (revision_id, original_id) VALUES (:rev, :orig)"),
        {"rev": copy["id"], "orig": original["id"]})
    model.Session.commit()
    copy_resources(original, copy["id"], context)
    return tk.get_action("package_show")(dict(context), {"id": copy["id"]})


def apply(revision: dict[str, Any], original_id: str, actor: str) -> None:
    """Carry an approved revision over to its published original (which stays public)."""
    context = {"ignore_auth": True, "user": actor}
    original = tk.get_action("package_show")(dict(context), {"id": original_id})
    fields = {k: v for k, v in revision.items() if k not in OWN_FIELDS}
    tk.get_action("package_update")(dict(context), dict(
        fields, id=original["id"], name=original["name"], owner_org=original["owner_org"],
        private=False, resources=[]))
    copy_resources(revision, original["id"], context)
    tk.get_action("package_delete")(dict(context), {"id": revision["id"]})
