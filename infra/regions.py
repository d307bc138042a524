"""Azure's region names (``infra/data/azure_regions.yaml``: a dated snapshot, with its source)."""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

from infra.diagnostics import load_yaml

REGIONS_PATH = Path(__file__).parent / "data" / "azure_regions.yaml"


@lru_cache(maxsize=1)
def azure_regions() -> frozenset[str]:
    return frozenset(load_yaml(REGIONS_PATH.read_text(encoding="utf-8"))["regions"])


def unknown_region(name: str) -> str | None:
    """Why ``name`` is not an Azure region, with the nearest real ones; None when it is one."""
    regions = azure_regions()
    if name in regions:
        return None
    near = difflib.get_close_matches(name, sorted(regions), n=3, cutoff=0.7)
    hint = f"; did you mean {' or '.join(near)}?" if near else " (infra/data/azure_regions.yaml lists them)"
    return f"{name!r} is not an Azure region{hint}"
