"""Azure's region names (``infra/data/azure_regions.yaml``: a dated snapshot, with its source)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from infra.diagnostics import did_you_mean, excerpt, load_yaml

REGIONS_PATH = Path(__file__).parent / "data" / "azure_regions.yaml"


@lru_cache(maxsize=1)
def azure_regions() -> frozenset[str]:
    return frozenset(load_yaml(REGIONS_PATH.read_text(encoding="utf-8"))["regions"])


def unknown_region(name: str) -> str | None:
    """Why ``name`` is not an Azure region, with the nearest real ones; None when it is one."""
    regions = azure_regions()
    if name in regions:
        return None
    return f"{excerpt(name)} is not an Azure region; {did_you_mean(name, regions, 'infra/data/azure_regions.yaml')}"


def not_in_stack(name: str, stack_regions: Iterable[str]) -> str:
    """Why a region a value names is not one of the stack's ``regions``."""
    return f"{excerpt(name)} is not a region of this stack; {did_you_mean(name, stack_regions)}"
