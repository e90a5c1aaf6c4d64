"""artifacts: downloading and unpacking package archives. `unpack()` is the one way a wheel, egg, sdist or npm
tarball is opened: it never executes anything, writes nothing outside its destination, creates no links or
devices, streams every member under size, count, ratio and depth limits, and reports every hostile or broken
structure as an `Anomaly` instead of raising."""

from __future__ import annotations

from chainwarden.enrich.artifacts.unpack import Anomaly, Limits, Unpacked, unpack

__all__ = ["Anomaly", "Limits", "Unpacked", "unpack"]
