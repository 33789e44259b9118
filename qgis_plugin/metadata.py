"""The plugin's ``metadata.txt``: beside the plugin when installed, at the top in the source."""

from __future__ import annotations

import configparser
import functools
from pathlib import Path

HERE = Path(__file__).resolve().parent


@functools.cache
def plugin_metadata() -> dict[str, str]:
    for path in (HERE / "metadata.txt", HERE.parent / "metadata.txt"):
        if path.is_file():
            parser = configparser.ConfigParser(interpolation=None)
            parser.read(path, encoding="utf-8")
            return dict(parser["general"]) if parser.has_section("general") else {}
    return {}


def plugin_version() -> str:
    return plugin_metadata().get("version", "")
