"""The ``[serve]`` section of the policy: what ``chainwarden serve`` lets through (docs/serve.md).

```toml
[serve]
upstream = "https://pypi.mirror.example.test/simple"  # the index proxied (default: --upstream, then pip's configuration)
internal = ["acme-billing"]          # names (or globs) that never resolve upstream; [sources] internal-packages count too
internal-prefixes = ["acme-"]        # every name starting with one of these is internal
cooldown = "7d"                      # upstream releases younger than this are held
dormant-hold = "30d"                 # a release after a long dormancy (dormant-then-released) is held this long
owner-hold = "30d"                   # a release after the owners changed (owners-changed) is held this long
repository-hold = "30d"              # a release after the repository URL changed is held this long
typosquat-new = "90d"                # a name imitating a popular one whose first release is younger: blocked
block-typosquats = true
analyse-within = "30d"               # releases younger than this are analysed before they are listed at all
suspicious = "hold"                  # what a suspicious static verdict does: "hold" or "serve"
not-checked = "hold"                 # what a release whose files could not be read does: "hold" or "serve"
page-max-age = 60                    # seconds a client may reuse a project page (Cache-Control max-age)
upstream-ttl = 600                   # seconds an upstream answer is reused before it is asked again
upstream-timeout = 10                # seconds per upstream read; past it the cached (stale) answer is served
require-read-token = false           # true: reading needs a token with the read scope

[serve.cooldown-overrides]           # per project: its own cooldown
requests = "2d"
```

Parsed into a frozen `ServePolicy`; every error names the file, the line and what was expected (decide).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from packaging.utils import canonicalize_name

from chainwarden.analyze._interface import parse_duration
from chainwarden.model import excerpt

SERVE_KEYS = {
    "upstream", "internal", "internal-prefixes", "cooldown", "cooldown-overrides", "dormant-hold", "owner-hold",
    "repository-hold", "typosquat-new", "block-typosquats", "analyse-within", "suspicious", "not-checked",
    "page-max-age", "upstream-ttl", "upstream-timeout", "require-read-token",
}
DAY = timedelta(days=1)


@dataclass(frozen=True)
class ServePolicy:
    """What the guarded index serves (module docstring); the defaults are the issue's: a 7-day cooldown, fail closed."""

    upstream: str | None = None
    internal: tuple[str, ...] = ()  # names or globs, PEP 503-normalised where they are plain names
    internal_prefixes: tuple[str, ...] = ()
    cooldown: timedelta = 7 * DAY
    cooldown_overrides: Mapping[str, timedelta] = field(default_factory=dict)  # normalised name -> cooldown
    dormant_hold: timedelta = 30 * DAY
    owner_hold: timedelta = 30 * DAY
    repository_hold: timedelta = 30 * DAY
    typosquat_new: timedelta = 90 * DAY
    block_typosquats: bool = True
    analyse_within: timedelta = 30 * DAY
    suspicious: str = "hold"
    not_checked: str = "hold"
    page_max_age: int = 60
    upstream_ttl: float = 600.0
    upstream_timeout: float = 10.0
    require_read_token: bool = False

    def is_internal(self, name: str, also: tuple[str, ...] = ()) -> bool:
        """`name` (PEP 503-normalised) is one of ours: it never resolves upstream. `also`: the [sources]
        internal-packages globs of the same policy."""
        norm = canonicalize_name(name)
        if any(norm.startswith(_normal(p)) for p in self.internal_prefixes):
            return True
        return any(fnmatch.fnmatchcase(norm, _normal(p)) for p in (*self.internal, *also)
                   if not p.startswith("@"))  # "@scope/*": an npm scope, not a Python name

    def cooldown_for(self, name: str) -> timedelta:
        return self.cooldown_overrides.get(canonicalize_name(name), self.cooldown)


def _normal(pattern: str) -> str:
    """A name, prefix or glob in PEP 503 form: lower case, runs of "-", "_" and "." as one "-" (globs keep * ? [)."""
    return re.sub(r"[-_.]+", "-", pattern.lower())


def parse_serve(raw: object, err: Callable[[str, str], Exception]) -> ServePolicy:
    """The ``[serve]`` table; `err(key, expected)` makes the error that names the file and line."""
    if not isinstance(raw, dict):
        raise err("serve", "expected a [serve] table")
    unknown = sorted(set(raw) - SERVE_KEYS)
    if unknown:
        raise err(f"serve.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(SERVE_KEYS))})")
    defaults = ServePolicy()

    def duration(key: str, default: timedelta) -> timedelta:
        if key not in raw:
            return default
        try:
            return parse_duration(raw[key])
        except ValueError as exc:
            raise err(f"serve.{key}", str(exc)) from None

    def names(key: str) -> tuple[str, ...]:
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise err(f"serve.{key}", f"expected a list of package names, got {excerpt(v)}")
        return tuple(x.strip() for x in v)

    def number(key: str, default: float, *, whole: bool = False) -> float:
        v = raw.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or (whole and not isinstance(v, int)):
            raise err(f"serve.{key}", f"expected a {'whole ' if whole else ''}number of seconds >= 0, got {excerpt(v)}")
        return float(v)

    def flag(key: str, default: bool) -> bool:
        v = raw.get(key, default)
        if not isinstance(v, bool):
            raise err(f"serve.{key}", f"expected true or false, got {excerpt(v)}")
        return v

    def choice(key: str, default: str) -> str:
        v = raw.get(key, default)
        if v not in ("hold", "serve"):
            raise err(f"serve.{key}", f"expected \"hold\" or \"serve\", got {excerpt(v)}")
        return str(v)

    upstream = raw.get("upstream")
    if upstream is not None and (not isinstance(upstream, str) or not upstream.startswith(("http://", "https://"))):
        raise err("serve.upstream", f"expected an http(s):// URL of a simple index, got {excerpt(upstream)}")
    overrides_raw: Any = raw.get("cooldown-overrides", {})
    if not isinstance(overrides_raw, dict):
        raise err("serve.cooldown-overrides", "expected a table of project = duration")
    overrides: dict[str, timedelta] = {}
    for name, value in overrides_raw.items():
        try:
            overrides[canonicalize_name(name)] = parse_duration(value)
        except ValueError as exc:
            raise err(f"serve.cooldown-overrides.{name}", str(exc)) from None
    timeout = number("upstream-timeout", defaults.upstream_timeout)
    if timeout <= 0:
        raise err("serve.upstream-timeout", "expected a number of seconds > 0")
    return ServePolicy(
        upstream=upstream, internal=names("internal"), internal_prefixes=names("internal-prefixes"),
        cooldown=duration("cooldown", defaults.cooldown), cooldown_overrides=overrides,
        dormant_hold=duration("dormant-hold", defaults.dormant_hold), owner_hold=duration("owner-hold", defaults.owner_hold),
        repository_hold=duration("repository-hold", defaults.repository_hold),
        typosquat_new=duration("typosquat-new", defaults.typosquat_new),
        block_typosquats=flag("block-typosquats", defaults.block_typosquats),
        analyse_within=duration("analyse-within", defaults.analyse_within),
        suspicious=choice("suspicious", defaults.suspicious), not_checked=choice("not-checked", defaults.not_checked),
        page_max_age=int(number("page-max-age", defaults.page_max_age, whole=True)),
        upstream_ttl=number("upstream-ttl", defaults.upstream_ttl), upstream_timeout=timeout,
        require_read_token=flag("require-read-token", defaults.require_read_token),
    )
