"""The settings table: the dataclass, the environment, the CLI options and the README agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, claimgraph
from claimgraph.settings import SETTINGS, Settings, markdown_table


def test_readme_table_is_the_settings_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- settings table: start -->\n", "<!-- settings table: end -->"
    assert start in readme and end in readme, "the README lost its settings table markers"
    block = readme[readme.index(start) + len(start) : readme.index(end)]
    assert block == markdown_table(), "README.md's settings table differs: paste `python -m claimgraph.settings`"


def test_every_setting_has_its_own_variable_and_help() -> None:
    envs = [f.metadata["env"] for f in SETTINGS]
    assert len(set(envs)) == len(envs)
    assert all(env.startswith("CLAIMGRAPH_") for env in envs)
    assert all(f.metadata["help"] for f in SETTINGS)


def test_environment_overrides_defaults_with_typed_values() -> None:
    settings = Settings.from_env(
        {
            "CLAIMGRAPH_STORE": "/tmp/x",
            "CLAIMGRAPH_QUERY_TIMEOUT": "2.5",
            "CLAIMGRAPH_QUERY_WORKERS": "3",
            "CLAIMGRAPH_ALLOW_LOAD": "yes",
            "CLAIMGRAPH_VALIDATE_IMPORTS": "0",
            "CLAIMGRAPH_CORS_ORIGINS": "",
            "CLAIMGRAPH_BASE_IRI": "",
            "CLAIMGRAPH_STORE_SYSTEM_GRAPHS": "http://a/ http://b/",
        }
    )
    assert settings.store_dir == Path("/tmp/x")
    assert settings.query_timeout == 2.5 and settings.query_workers == 3
    assert settings.allow_load is True and settings.validate_imports is False
    assert settings.cors_origins == ""  # an empty list of origins is a value
    assert settings.base_iri == Settings().base_iri  # an empty base is "unset"
    assert settings.store_system_graphs == ("http://a/", "http://b/")
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize("env,value", [("CLAIMGRAPH_QUERY_WORKERS", "four"), ("CLAIMGRAPH_ALLOW_SERVICE", "maybe")])
def test_a_bad_variable_is_a_clear_error(env: str, value: str) -> None:
    with pytest.raises(ValueError, match=env):
        Settings.from_env({env: value})


def test_cli_options_come_from_the_table() -> None:
    help_text = claimgraph("serve", "--help").stdout
    for f in SETTINGS:
        option = f.metadata["option"]
        if option and f.name != "validate_imports":  # --validate belongs to load
            assert option in help_text and f.metadata["env"] in help_text.replace("\n", " ").replace(" ", "")
    result = claimgraph(
        "query", "ASK {}", "--store", "/nonexistent/x", env={"CLAIMGRAPH_QUERY_WORKERS": "x"}, check=False
    )
    assert result.returncode != 0 and "CLAIMGRAPH_QUERY_WORKERS" in result.stderr and "Traceback" not in result.stderr
