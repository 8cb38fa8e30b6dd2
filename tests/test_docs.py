"""Pages generated from the code are current: regenerate them when this fails."""

from __future__ import annotations

from pathlib import Path

from ckanext.walidata import config_doc

DOCS = Path(__file__).parents[1] / "docs"


def test_the_configuration_page_is_generated_from_the_declarations():
    page = (DOCS / "configuration.md").read_text()
    assert page == config_doc.render(), (
        "docs/configuration.md is stale: "
        "python -m ckanext.walidata.config_doc > docs/configuration.md")


def test_every_declared_option_is_on_the_page():
    page = (DOCS / "configuration.md").read_text()
    for _plugin, path, _summary in config_doc.DECLARATIONS:
        for line in path.read_text().splitlines():
            if line.strip().startswith("- key: "):
                assert f"`{line.split('- key: ', 1)[1].strip()}`" in page
