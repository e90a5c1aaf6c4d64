"""When an installer would let the public index win for a private name: the installers' rules, in one place.

`exposures(setup, dep)` lists the statements of the project's index setup that expose one
private dependency, each with why and what to change. Both ``index-config-unsafe`` (which
reports them) and ``dependency-confusion`` (whose severity rises when the public index
would win today) read it.

The installers' behaviour, as documented by each:

- pip merges every ``--index-url`` and ``--extra-index-url`` (and ``find-links``) and installs
  the highest version any of them offers; order means nothing.
- uv, by default (``index-strategy = "first-index"``), takes a name from the first index that
  has it; ``unsafe-first-match`` and ``unsafe-best-match`` search every index, the latter
  like pip. An ``explicit`` index serves only the packages ``[tool.uv.sources]`` pins to it.
- Poetry searches its primary sources (PyPI among them when no other primary source is
  configured, or when it is listed) and merges them; a ``supplemental`` source is asked only
  when the primary ones have nothing, so the public index comes first; an ``explicit``
  source serves only the dependencies that name it with ``source =``.
- Pipenv installs a package from its first ``[[source]]`` unless the package names another
  with ``index =``; ``install_search_all_sources = true`` makes it search them all, like pip.
- npm asks exactly one registry per name: the scope's mapped registry, else the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainwarden.model import (
    Dependency,
    Ecosystem,
    IndexSetup,
    Severity,
    SourceLocation,
    index_key,
)


@dataclass(frozen=True)
class Exposure:
    """One statement that lets the public index win for a private dependency."""

    installer: str
    severity: Severity
    statement: str  # "requirements.txt:1 --extra-index-url http://..."
    location: SourceLocation | None
    why: str
    fix: str


def exposures(setup: IndexSetup, dep: Dependency) -> list[Exposure]:
    name = dep.package.name
    pub = index_key(setup.public_url)
    pinned = setup.pins.get(name)
    out: list[Exposure] = []
    if dep.package.ecosystem is Ecosystem.NPM:
        return _npm(setup, dep)
    uses = setup.uses
    hashed = bool(dep.hashes)

    # pip: any extra index merges with the index URL.
    pip_extra = [u for u in uses if u.installer == "pip" and u.role == "extra"]
    pip_primary = [u for u in uses if u.installer == "pip" and u.role == "primary"]
    if pip_extra:
        trap = [u for u in pip_extra if index_key(u.url) == pub and any(index_key(p.url) != pub for p in pip_primary)]
        u = trap[0] if trap else pip_extra[0]
        if trap:
            why = (f"--index-url names the private index and --extra-index-url the public one ({u.origin}): pip "
                   "does not prefer the first, it takes the highest version either offers")
        else:
            why = (f"{u.origin} adds {u.url} with --extra-index-url: pip merges it with the index URL and "
                   "installs the highest version either offers")
        out.append(Exposure(
            "pip", Severity.MEDIUM if hashed else Severity.HIGH, f"{u.origin} extra-index-url {u.url}", u.location,
            why + ("; the hashes pinned for it make pip refuse a different file, but the install then fails" if hashed else ""),
            "serve private and public packages from one index that never takes your private names from the public "
            "one (a repository manager with the names blocked upstream), or install with uv and pin the package to "
            "its index ([[tool.uv.index]] explicit = true, [tool.uv.sources] " + name + " = { index = \"<name>\" }); "
            "until then, pin every requirement with --hash",
        ))

    # uv
    strategy = next(((v, o) for k, v, o in setup.settings if k == "uv index-strategy"), None)
    uv_indexes = [u for u in uses if u.installer == "uv" and u.role in ("extra", "primary", "explicit")]
    uv_pinned = pinned is not None and any(u.installer == "uv" and u.role == "explicit" and index_key(u.url) == index_key(pinned)
                                          for u in uses)
    if strategy and strategy[0] in ("unsafe-best-match", "unsafe-first-match") and uv_indexes and not uv_pinned:
        best = strategy[0] == "unsafe-best-match"
        loc = _location_of(strategy[1])
        out.append(Exposure(
            "uv", Severity.HIGH if best else Severity.MEDIUM, f"{strategy[1]} index-strategy = {strategy[0]}", loc,
            f"uv's index-strategy {strategy[0]} ({strategy[1]}) searches every index for {name}"
            + (" and takes the highest version, as pip does" if best else
               "; when the first index has no version that fits, it takes one from the next"),
            "remove index-strategy (uv's default, first-index, stops at the first index that has the name), mark the "
            f"private index explicit = true and pin the package: [tool.uv.sources] {name} = {{ index = \"<name>\" }}",
        ))

    # Poetry
    poetry = [u for u in uses if u.installer == "poetry" and u.role != "lock"]
    poetry_pinned = pinned is not None and any(u.installer == "poetry" and index_key(u.url) == index_key(pinned) for u in uses)
    if poetry and not poetry_pinned:
        primaries = [u for u in poetry if u.role in ("primary", "default", "secondary")]
        supplemental = [u for u in poetry if u.role == "supplemental" and index_key(u.url) != pub]
        public_primary = (not any(u.role in ("primary", "default") for u in poetry)) or any(
            index_key(u.url) == pub for u in primaries) or any(u.role == "secondary" for u in poetry)
        if supplemental and public_primary:
            u = supplemental[0]
            out.append(Exposure(
                "poetry", Severity.HIGH, f"{u.origin} source {u.name or u.url} priority = supplemental", u.location,
                f"Poetry asks the supplemental source {u.name or u.url} ({u.origin}) only when the primary sources, "
                "the public index among them, have nothing: a public release of the name wins",
                f"make the source priority = \"explicit\" and give the dependency source = \"{u.name or '<name>'}\"",
            ))
        private_primary = [u for u in primaries if index_key(u.url) != pub]
        if private_primary and public_primary:
            u = private_primary[0]
            out.append(Exposure(
                "poetry", Severity.HIGH, f"{u.origin} source {u.name or u.url} priority = {u.role}", u.location,
                f"Poetry merges its primary sources ({u.name or u.url} at {u.origin}, and the public index) and "
                "may take the public release of the name",
                f"make the private source priority = \"explicit\" and give the dependency source = \"{u.name or '<name>'}\"",
            ))

    # Pipenv
    search_all = next(((v, o) for k, v, o in setup.settings if k == "pipenv install_search_all_sources"), None)
    pipenv_pinned = pinned is not None and any(u.installer == "pipenv" and index_key(u.url) == index_key(pinned) for u in uses)
    if search_all and search_all[0] == "true" and not pipenv_pinned and \
            len({index_key(u.url) for u in uses if u.installer == "pipenv" and u.role != "lock"}) >= 2:
        loc = _location_of(search_all[1])
        out.append(Exposure(
            "pipenv", Severity.HIGH, f"{search_all[1]} install_search_all_sources = true", loc,
            f"install_search_all_sources = true ({search_all[1]}) makes Pipenv search every [[source]] for {name} "
            "and take the highest version, as pip does",
            f"remove install_search_all_sources and give the package its index: {name} = {{ version = \"...\", "
            "index = \"<source name>\" }",
        ))
    return out


def _location_of(origin: str) -> SourceLocation | None:
    """A statement's location from its origin text ("uv.toml:3"), when it names a file and line."""
    file, sep, line = origin.rpartition(":")
    if sep and line.isdigit() and file:
        return SourceLocation(file, int(line))
    return None


def _npm(setup: IndexSetup, dep: Dependency) -> list[Exposure]:
    name = dep.package.name
    pub = index_key(setup.public_url)
    out: list[Exposure] = []
    if name.startswith("@"):
        scope = name.split("/", 1)[0]
        mapped = [u for u in setup.uses if u.role == "scope" and u.name == scope]
        if not mapped:
            out.append(Exposure(
                "npm", Severity.HIGH, f"no {scope}:registry mapping", None,
                f"no .npmrc maps the scope {scope} to a registry, so npm asks the default registry for {name}",
                f"map the scope in the project's .npmrc: {scope}:registry=<your registry URL>, and register the "
                f"scope {scope} on the public registry so nobody else can publish under it",
            ))
        elif all(u.location is None for u in mapped):
            u = mapped[0]
            out.append(Exposure(
                "npm", Severity.MEDIUM, f"{u.origin} {scope}:registry", None,
                f"only {u.origin} (outside the project) maps {scope}: a machine or CI job without it asks the "
                f"default registry for {name}",
                f"add {scope}:registry={u.url} to the project's .npmrc",
            ))
        return out
    default_is_public = not setup.primary_url or index_key(setup.primary_url) == pub
    out.append(Exposure(
        "npm", Severity.HIGH if default_is_public else Severity.MEDIUM, f"unscoped name {name}",
        dep.sources[0] if dep.sources else None,
        f"{name} has no scope, so npm takes it from the default registry"
        + (", which is the public one" if default_is_public else
           f" ({setup.primary_url}); a machine or CI job whose default is the public registry resolves it there"),
        f"publish it under a scope you own and map that scope in the project's .npmrc "
        f"(@yourorg:registry=<your registry URL>); until then, register {name} on the public registry",
    ))
    return out
