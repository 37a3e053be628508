"""Static files in production: WhiteNoise's compressed, hashed storage, tolerant of one packaging gap."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Leaves a missing source map's reference as it is instead of failing `collectstatic`.

    xstatic-leaflet-markercluster ships leaflet.markercluster.js with a `sourceMappingURL` comment but not the
    map file it names; a source map only matters to a browser's developer tools, so it must not stop a deploy.
    Any other missing file still fails.
    """

    def hashed_name(self, name: str, content=None, filename: str | None = None) -> str:
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if name.endswith(".map"):
                return name
            raise
