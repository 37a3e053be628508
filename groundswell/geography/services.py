"""The geography app's public API: what commands, views, the demo and other apps call."""

from __future__ import annotations

from .boundaries import BoundaryImportError, ImportReport, import_boundaries
from .hexes import HexImportError, HexImportReport, import_hexes
from .lookup import (
    BoundariesNotLoaded,
    LookupResult,
    PostcodeInfo,
    PostcodeNotFound,
    geocode_postcodes,
    lookup_point,
    lookup_postcode,
)
from .onspd import PostcodeImportReport, import_postcodes
from .postcodes import InvalidPostcode, PostcodeImportError, normalise_postcode

__all__ = [
    "BoundariesNotLoaded",
    "BoundaryImportError",
    "HexImportError",
    "HexImportReport",
    "ImportReport",
    "InvalidPostcode",
    "LookupResult",
    "PostcodeImportError",
    "PostcodeImportReport",
    "PostcodeInfo",
    "PostcodeNotFound",
    "geocode_postcodes",
    "import_boundaries",
    "import_hexes",
    "import_postcodes",
    "lookup_point",
    "lookup_postcode",
    "normalise_postcode",
]
