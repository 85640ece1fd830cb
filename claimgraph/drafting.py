"""The file side of ``claimgraph draft``: reading news texts safely, checking a draft against its
text before anything is written, and writing ``NAME.claims.yaml`` files.

The drafter itself (``claimgraph.graph.draft.Drafter``) sees only decoded text; everything that
can be wrong with a file (missing, empty, binary, not UTF-8, a bad ``NAME.meta.yaml``) is
found here first and reported as one line naming the file, and such a file gets no output.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from claimgraph import __version__
from claimgraph.graph.build.annotation import AnnotationError, read_annotation
from claimgraph.graph.build.article import slug_of_stem


class DraftInputError(ValueError):
    """A file cannot be drafted (or its draft cannot be written); the message names the file."""


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``, exactly as it is (offsets count its code points)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DraftInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DraftInputError(f"{path}: is a directory, not a text file") from None
    except OSError as exc:
        raise DraftInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise DraftInputError(f"{path}: the file is empty; there is nothing to draft")
    if b"\x00" in data[:65536]:
        raise DraftInputError(f"{path}: a binary file (it contains NUL bytes), not a UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DraftInputError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start}, "
            f"line {line}); convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None
    if text.startswith("\ufeff"):
        raise DraftInputError(f"{path}: starts with a byte order mark; remove it so that offsets count from the text")
    return text


def stem(path: Path) -> str:
    """``NAME`` of ``NAME.txt`` (or of any other single extension)."""
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def read_meta(path: Path) -> dict[str, Any] | None:
    """``NAME.meta.yaml`` beside ``NAME.txt``, when there is one."""
    meta_path = path.with_name(stem(path) + ".meta.yaml")
    if not meta_path.exists():
        return None
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DraftInputError(f"{meta_path}: cannot read metadata: {' '.join(str(exc).split())}") from None
    if not isinstance(meta, dict):
        raise DraftInputError(f"{meta_path}: expected a mapping (id, file, language, ...)")
    return meta


def document_id(path: Path, meta: dict[str, Any] | None) -> str:
    """The slug the draft's claim ids start with: the metadata's ``id``, else the file name's."""
    if meta and meta.get("id"):
        return slug_of_stem(str(meta["id"]))
    return slug_of_stem(stem(path))


def finish(reading: dict[str, Any], text: str, path: Path, lang: str, meta: dict[str, Any] | None = None) -> str:
    """The draft as YAML, after checking every span and key the way ``claimgraph build`` will.

    The publisher the metadata names becomes an entity of the draft when the drafter did not
    declare it (the build needs it for the document chain). The reading is plain data
    (mappings, lists, strings, numbers), which safe YAML writes and reads back unchanged.
    """
    if not isinstance(reading, dict) or not isinstance(reading.get("reading"), dict):
        raise DraftInputError(f"{path}: the drafter returned no reading")
    reading["reading"].setdefault("language", lang)
    entities = reading.setdefault("entities", {})
    for slug in sorted(outlets(meta)):
        entities.setdefault(
            slug,
            {
                "type": "NewsMediaOrganization",
                "label": {lang: slug},
                "note": {"en": "The publisher named by the article's metadata; not found in the text."},
            },
        )
    name = Path(stem(path) + ".claims.yaml")
    try:
        read_annotation(reading, name, text, {})
    except AnnotationError as exc:
        raise DraftInputError(f"{path}: the draft does not fit the text, nothing written: {exc}") from None
    body = yaml.dump(reading, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    by = reading["reading"].get("by", f"claimgraph {__version__}")
    head = (
        f"# Drafted by {by} from {path.name}; not reviewed. Every span is {{quote, start}} in\n"
        "# code points of the text; claimgraph build checks them. Format: seeds/README.md.\n"
    )
    return head + body


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML (libyaml's emitter when installed: a 5 MB text has some 20 MB of draft), with
    every span on one line, ``{quote: ..., start: N}``, as in the curated files."""


def _mapping(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = set(data) == {"quote", "start"} or None
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(dict, _mapping)


def write_atomically(target: Path, content: str) -> None:
    """Write ``content`` to ``target`` through a temporary file: never a half-written draft."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def outlets(meta: dict[str, Any] | None) -> set[str]:
    """The entity slugs of the article's own outlet(s) named in its metadata."""
    if not meta:
        return set()
    found = {str(meta["publisher"])} if meta.get("publisher") else set()
    original = meta.get("original") or {}
    if isinstance(original, dict) and original.get("publisher"):
        found.add(str(original["publisher"]))
    return found
