"""A plain (non-editable) install must work: ontology, seeds, templates ship as package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_carries_package_data_and_builds_the_seed_outside_the_source_tree(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = wheel_dir.glob("claimgraph-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "claimgraph/ontology/claimgraph.ttl",
        "claimgraph/ontology/shapes.ttl",
        "claimgraph/ontology/versions/0.2.0.ttl",
        "claimgraph/seeds/000_dade6e3c090f456c.txt",
        "claimgraph/seeds/000_dade6e3c090f456c.meta.yaml",
        "claimgraph/server/protocol/sparql.py",
        "claimgraph/server/pages/templates/claim.html",
        "claimgraph/server/pages/static/site.css",
        "claimgraph/server/pages/queries/claim.rq",
        "claimgraph/ontology/claimgraph.en.html",
        "claimgraph/ontology/questions/01-who-says-musk-and-putin-are-in-contact.rq",
        "claimgraph/cli.py",
    ):
        assert required in names, f"{required} missing from {wheel.name}"

    # Install only claimgraph itself into a private folder and run it from elsewhere, so that
    # nothing can come from the source tree; dependencies come from the test environment.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    store = tmp_path / "store"
    out = subprocess.run(
        [sys.executable, "-m", "claimgraph.cli", "build", "--store", str(store)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert "claim(s)" in out.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import claimgraph.ontology as o; print(o.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert probe.stdout.startswith(str(target))
