"""Which index to ask: the one the user's installer is configured with.

PyPI-style index, first match wins:
  1. ``--index-url`` / ``CHAINWARDEN_INDEX_URL``
  2. ``PIP_INDEX_URL``, then ``UV_DEFAULT_INDEX`` / ``UV_INDEX_URL``
  3. pip configuration files (``PIP_CONFIG_FILE``, the per-user and site files, the
     active virtualenv's ``pip.conf``), ``[global]`` or ``[install]`` ``index-url``
  4. uv configuration: the project's ``uv.toml`` / ``[tool.uv]`` in pyproject.toml,
     then the user's ``uv.toml`` (``index-url`` or the ``[[index]]`` marked ``default``)
  5. pip's built-in default, read from the pip installed with this Python

npm registry, first match wins:
  1. ``--npm-registry`` / ``CHAINWARDEN_NPM_REGISTRY``
  2. ``NPM_CONFIG_REGISTRY`` / ``npm_config_registry``
  3. ``.npmrc`` files: the project's (walking up from it), the user's, the global one
  4. npm's own ``registry`` setting (``npm config get registry``)
``@scope:registry=`` lines in those ``.npmrc`` files map scopes to their registries.

`installer_statements()` reads every other statement there about where packages come
from (extra indexes, uv's ``[[index]]`` tables and ``index-strategy``, ``[tool.uv.sources]``
pins, scope mappings) for the dependency-confusion rules (`enrich.sources`), and
`public_index()` says which index is the public one private names are checked against:
``--public-index`` / ``CHAINWARDEN_PUBLIC_INDEX`` (``--public-npm-registry`` /
``CHAINWARDEN_PUBLIC_NPM_REGISTRY``), the policy's ``[sources]``, else the installer's
built-in default.

No registry host name is written in this module: defaults come from the installers.

Every configuration file is read with the safe reader (`chainwarden._files`): a FIFO, a link to
``/dev/zero`` or a special file is passed over, never read. ``${VAR}`` references are expanded (as
npm does) only in the user's and the global ``.npmrc``: a project's ``.npmrc`` is written by whoever
wrote the project, and expanding it would put the machine's secrets (``${GITHUB_TOKEN}``) into a
registry URL chainwarden asks and reports.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

from chainwarden._files import FileRefused, read_text
from chainwarden.model import (
    Ecosystem,
    IndexHint,
    IndexUse,
    SourceLocation,
    normalize_name,
)


class IndexConfigError(Exception):
    """No index could be determined for an ecosystem that needs one."""

    def diagnostics(self) -> str:
        return str(self)


@dataclass(frozen=True)
class IndexChoice:
    url: str
    origin: str  # where the setting came from, for the report ("PIP_INDEX_URL", "/etc/pip.conf", ...)


@dataclass
class IndexSettings:
    pypi: IndexChoice | None = None
    npm: IndexChoice | None = None
    npm_scopes: dict[str, IndexChoice] = field(default_factory=dict)
    pypi_extra: list[IndexChoice] = field(default_factory=list)


def _read(path: Path) -> str | None:
    """A configuration file's text, read with the safe reader; None when it cannot or may not be read."""
    try:
        return read_text(path)
    except (FileRefused, UnicodeDecodeError):
        return None


def _env(*names: str) -> tuple[str, str] | None:
    for n in names:
        v = os.environ.get(n)
        if v:
            return v.strip(), n
    return None


def pip_config_files() -> list[Path]:
    """pip's configuration files in pip's own order of precedence, highest first."""
    if os.environ.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    files: list[Path] = []
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(Path(os.environ["PIP_CONFIG_FILE"]))
    venv = os.environ.get("VIRTUAL_ENV") or (sys.prefix if sys.prefix != sys.base_prefix else None)
    if venv:
        files.append(Path(venv) / ("pip.ini" if os.name == "nt" else "pip.conf"))
    files.append(Path(user_config_dir("pip", appauthor=False, roaming=True)) / ("pip.ini" if os.name == "nt" else "pip.conf"))
    files.append(Path.home() / (".pip/pip.conf" if os.name != "nt" else "pip/pip.ini"))
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files.extend(Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d)
    files.append(Path("/etc/pip.conf"))
    return files


def _pip_config_values(key: str) -> list[tuple[list[str], Path]]:
    """Every ``[install]`` / ``[global]`` setting of `key` in pip's configuration files, highest precedence first."""
    out: list[tuple[list[str], Path]] = []
    for f in pip_config_files():
        if not f.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        text = _read(f)
        if text is None:
            continue
        try:
            parser.read_string(text, source=str(f))
        except configparser.Error:
            continue
        for section in ("install", "global"):
            if parser.has_option(section, key):
                value = parser.get(section, key).split()
                if value:
                    out.append((value, f))
    return out


def _pip_config_value(key: str) -> tuple[str, str] | None:
    found = _pip_config_values(key)
    return (found[0][0][0], str(found[0][1])) if found else None


def pip_builtin_default() -> str | None:
    """pip's compiled-in default index, read from the installed pip (not from our code)."""
    try:
        from pip._internal.models.index import PyPI

        return str(PyPI.simple_url)
    except Exception:
        pass
    pip = shutil.which("pip") or shutil.which("pip3")
    if pip is None:
        return None
    try:
        out = subprocess.run([pip, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"from (\S+) \(", out)
    if not m:
        return None
    source = Path(m.group(1)) / "_internal" / "models" / "index.py"
    text = _read(source)
    if text is None:
        return None
    found = re.search(r'PackageIndex\(\s*"(https?://[^"]+)"', text)
    return found.group(1).rstrip("/") + "/simple" if found else None


def _uv_settings(project_dirs: list[Path]) -> tuple[str, str] | None:
    candidates: list[tuple[Path, bool]] = []
    for d in project_dirs:
        candidates.append((d / "uv.toml", False))
        candidates.append((d / "pyproject.toml", True))
    candidates.append((Path(user_config_dir("uv", appauthor=False)) / "uv.toml", False))
    for path, in_pyproject in candidates:
        if not path.is_file():
            continue
        text = _read(path)
        try:
            data = tomllib.loads(text) if text is not None else None
        except (ValueError, RecursionError):  # TOMLDecodeError, a number past Python's digit limit, deep nesting
            continue
        if data is None:
            continue
        if in_pyproject:
            tool = data.get("tool")
            data = tool.get("uv", {}) if isinstance(tool, dict) and isinstance(tool.get("uv"), dict) else {}
        if isinstance(data.get("index-url"), str):
            return data["index-url"], str(path)
        indexes = data.get("index")
        if isinstance(indexes, list):
            for idx in indexes:
                if isinstance(idx, dict) and idx.get("default") and isinstance(idx.get("url"), str):
                    return idx["url"], str(path)
    return None


def _machine_npmrc_files() -> list[Path]:
    """The user's and the global .npmrc: the machine owner's, not the project's."""
    user = os.environ.get("NPM_CONFIG_USERCONFIG") or os.environ.get("npm_config_userconfig")
    files = [Path(user) if user else Path.home() / ".npmrc"]
    glob = os.environ.get("NPM_CONFIG_GLOBALCONFIG") or os.environ.get("npm_config_globalconfig")
    if glob:
        files.append(Path(glob))
    return files


def npmrc_files(project_dirs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for d in project_dirs:
        for parent in [d.resolve(), *d.resolve().parents]:
            f = parent / ".npmrc"
            if f.is_file() and f not in files:
                files.append(f)
    files += _machine_npmrc_files()
    return [f for f in files if f.is_file()]


def _expands(path: Path) -> bool:
    """Whether ${VAR} references in this .npmrc are expanded: only in the user's and the global one."""
    return path.resolve() in {f.resolve() for f in _machine_npmrc_files()}


_NPMRC_LINE = re.compile(r"^\s*([^=;#\s][^=]*?)\s*=\s*(.*?)\s*$")


def parse_npmrc(path: Path, *, expand: bool | None = None) -> dict[str, str]:
    """Key/value settings of an .npmrc (auth lines are skipped: never read secrets). ``${VAR}`` is expanded
    when `expand` (default: only in the user's and the global .npmrc; a project's stays as written)."""
    out: dict[str, str] = {}
    text = _read(path)
    if text is None:
        return out
    if expand is None:
        expand = _expands(path)
    for line in text.splitlines():
        m = _NPMRC_LINE.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip("\"'")
        if key.startswith("//") or "auth" in key.lower() or "password" in key.lower():
            continue
        if expand:
            value = re.sub(r"\$\{([^}]+)\}", lambda mm: os.environ.get(mm.group(1), ""), value)
        out.setdefault(key, value)
    return out


def npm_builtin_registry(*, default_only: bool = False) -> str | None:
    """npm's ``registry`` setting; with `default_only`, npm's own default (no user, global or project config)."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    env: dict[str, str] | None = None
    try:
        with tempfile.TemporaryDirectory() as empty:
            if default_only:
                blank = Path(empty) / "npmrc"
                blank.write_text("", encoding="utf-8")
                env = {"PATH": os.environ.get("PATH", ""), "HOME": empty,
                       "npm_config_userconfig": str(blank), "npm_config_globalconfig": str(blank) + "-global"}
                (Path(empty) / "npmrc-global").write_text("", encoding="utf-8")
            out = subprocess.run(
                [npm, "config", "get", "registry"], capture_output=True, text=True, timeout=30,
                cwd=empty if default_only else Path.home(), env=env,
            ).stdout.strip()
    except (OSError, subprocess.SubprocessError):  # OSError: also no temporary folder to be had (a full disk)
        return None
    return out if out.startswith(("http://", "https://")) else None


def resolve_settings(
    project_dirs: list[Path],
    *,
    index_url: str | None = None,
    npm_registry: str | None = None,
    need_pypi: bool = True,
    need_npm: bool = True,
) -> IndexSettings:
    """Decide which index each ecosystem asks. Raises IndexConfigError when none can be found."""
    settings = IndexSettings()
    if need_pypi:
        found: tuple[str, str] | None = (
            (index_url, "--index-url")
            if index_url
            else _env("CHAINWARDEN_INDEX_URL", "PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL")
            or _pip_config_value("index-url")
            or _uv_settings(project_dirs)
        )
        if found is None:
            default = pip_builtin_default()
            if default is None:
                raise IndexConfigError(
                    "no Python package index is configured and pip's default could not be read: "
                    "pass --index-url URL or set CHAINWARDEN_INDEX_URL"
                )
            found = (default, "pip's built-in default")
        settings.pypi = IndexChoice(found[0].rstrip("/"), found[1])
    if need_npm:
        choice: tuple[str, str] | None = (
            (npm_registry, "--npm-registry") if npm_registry else _env("CHAINWARDEN_NPM_REGISTRY", "NPM_CONFIG_REGISTRY", "npm_config_registry")
        )
        for f in npmrc_files(project_dirs):
            values = parse_npmrc(f)
            if choice is None and values.get("registry"):
                choice = (values["registry"], str(f))
            for key, value in values.items():
                if key.startswith("@") and key.endswith(":registry") and value:
                    settings.npm_scopes.setdefault(key[: -len(":registry")], IndexChoice(value.rstrip("/") + "/", str(f)))
        if choice is None:
            builtin = npm_builtin_registry()
            if builtin is None:
                raise IndexConfigError(
                    "no npm registry is configured and npm is not installed to ask: "
                    "pass --npm-registry URL or set CHAINWARDEN_NPM_REGISTRY"
                )
            choice = (builtin, "npm's registry setting")
        settings.npm = IndexChoice(choice[0].rstrip("/") + "/", choice[1])
    return settings


# -- every statement about where packages come from (enrich.sources) ------------------------------


@dataclass
class InstallerStatements:
    """What the installers' configuration (outside the project's manifests) says about indexes."""

    uses: list[IndexUse] = field(default_factory=list)
    settings: list[tuple[str, str, str]] = field(default_factory=list)  # (setting, value, origin)
    hints: list[IndexHint] = field(default_factory=list)  # uv settings found in the project's own files


def _line_in(path: Path, needle: str) -> int | None:
    text = _read(path)
    for i, line in enumerate(text.splitlines() if text is not None else [], 1):
        if needle in line:
            return i
    return None


def uv_hints(uv: dict[str, object], text: str, file: str) -> list[IndexHint]:
    """The index statements of a uv settings table (``[tool.uv]`` or a whole ``uv.toml``), located in `text`:
    ``index-url``, ``extra-index-url``, ``index-strategy``, ``[[index]]`` (default / explicit) and the
    ``[sources]`` entries that pin a package to a named index."""
    out: list[IndexHint] = []
    lines = text.splitlines()

    def loc(value: str) -> SourceLocation:
        for i, line in enumerate(lines, 1):
            if f'"{value}"' in line or f"'{value}'" in line:
                return SourceLocation(file, i)
        return SourceLocation(file)

    if isinstance(uv.get("index-url"), str):
        out.append(IndexHint("uv-index-url", str(uv["index-url"]), loc(str(uv["index-url"]))))
    extra = uv.get("extra-index-url")
    for url in extra if isinstance(extra, list) else []:
        if isinstance(url, str):
            out.append(IndexHint("uv-extra-index-url", url, loc(url)))
    if isinstance(uv.get("index-strategy"), str):
        out.append(IndexHint("uv-index-strategy", str(uv["index-strategy"]), loc(str(uv["index-strategy"]))))
    indexes = uv.get("index")
    for idx in indexes if isinstance(indexes, list) else []:
        if isinstance(idx, dict) and isinstance(idx.get("url"), str):
            kind = "default" if idx.get("default") is True else "explicit" if idx.get("explicit") is True else "index"
            name = idx.get("name") if isinstance(idx.get("name"), str) else ""
            out.append(IndexHint(f"uv-index:{kind}", idx["url"], loc(idx["url"]), name=str(name)))
    sources = uv.get("sources")
    for pkg, spec in sources.items() if isinstance(sources, dict) else []:
        for entry in spec if isinstance(spec, list) else [spec]:
            if isinstance(entry, dict) and isinstance(entry.get("index"), str):
                key = re.compile(r"^\s*[\"']?" + re.escape(str(pkg)) + r"[\"']?\s*=")
                line = next((i for i, t in enumerate(lines, 1) if key.match(t)), None)
                out.append(IndexHint("uv-pin", entry["index"], SourceLocation(file, line) if line else loc(entry["index"]),
                                     name=normalize_name(Ecosystem.PYPI, str(pkg))))
    return out


def _uv_files(project_dirs: list[Path]) -> list[tuple[Path, bool, bool]]:
    """(file, is a pyproject.toml, is the project's own) for uv's settings, the project's first."""
    out: list[tuple[Path, bool, bool]] = []
    for d in project_dirs:
        out += [(d / "uv.toml", False, True), (d / "pyproject.toml", True, True)]
    out.append((Path(user_config_dir("uv", appauthor=False)) / "uv.toml", False, False))
    return [(p, py, own) for p, py, own in out if p.is_file()]


def installer_statements(project_dirs: list[Path], display: dict[Path, str] | None = None, *,
                         pypi: bool = True, npm: bool = True, machine: bool = True) -> InstallerStatements:
    """Every statement outside the manifests about where packages come from.

    The project's own uv settings (``uv.toml``, ``[tool.uv]``) become located `hints`; the machine's
    (pip configuration files, ``PIP_*`` / ``UV_*`` variables, the user's uv.toml and .npmrc) become
    `uses` and `settings` with their file or variable as origin. With `machine` False (a registry
    snapshot run) only the project's own files are read.
    """
    out = InstallerStatements()
    shown = display or {}
    if pypi:
        for path, in_pyproject, own in _uv_files(project_dirs):
            if not own and not machine:
                continue
            text = _read(path)
            try:
                data = tomllib.loads(text) if text is not None else None
            except (ValueError, RecursionError):  # TOMLDecodeError, a number past Python's digit limit, deep nesting
                continue
            if text is None or data is None:
                continue
            if in_pyproject:
                tool = data.get("tool")
                data = tool.get("uv", {}) if isinstance(tool, dict) and isinstance(tool.get("uv"), dict) else {}
            out.hints += uv_hints(data, text, shown.get(path.resolve(), str(path)))
        if machine:
            for urls, f in _pip_config_values("extra-index-url"):
                line = _line_in(f, "extra-index-url")
                out.uses += [IndexUse(Ecosystem.PYPI, url, "extra", "pip", f"{f}:{line}" if line else str(f)) for url in urls]
            for var, installer in (("PIP_EXTRA_INDEX_URL", "pip"), ("UV_EXTRA_INDEX_URL", "uv")):
                for url in os.environ.get(var, "").split():
                    out.uses.append(IndexUse(Ecosystem.PYPI, url, "extra", installer, var))
            for entry in os.environ.get("UV_INDEX", "").split():
                name, _, url = entry.rpartition("=") if "=" in entry.split("://", 1)[0] else ("", "", entry)
                out.uses.append(IndexUse(Ecosystem.PYPI, url, "extra", "uv", "UV_INDEX", name=name))
            if os.environ.get("UV_INDEX_STRATEGY"):
                out.settings.append(("uv index-strategy", os.environ["UV_INDEX_STRATEGY"].strip(), "UV_INDEX_STRATEGY"))
    if npm:
        for f in npmrc_files(project_dirs) if machine else [p for d in project_dirs if (p := d / ".npmrc").is_file()]:
            own = any(f.parent == d.resolve() for d in project_dirs)  # npm's project config: the project root's .npmrc
            for key, value in parse_npmrc(f).items():
                if key.startswith("@") and key.endswith(":registry") and value:
                    line = _line_in(f, key)
                    origin = f"{shown.get(f.resolve(), str(f))}:{line}" if line else shown.get(f.resolve(), str(f))
                    location = SourceLocation(shown.get(f.resolve(), str(f)), line) if own else None
                    out.uses.append(IndexUse(Ecosystem.NPM, value.rstrip("/") + "/", "scope", "npm", origin, location,
                                             name=key[: -len(":registry")]))
    return out


def public_index(ecosystem: Ecosystem, explicit: str | None = None) -> tuple[str, str] | None:
    """The public index private names are checked against, and where that choice came from."""
    if explicit:
        return explicit, "--public-index" if ecosystem is Ecosystem.PYPI else "--public-npm-registry"
    var = "CHAINWARDEN_PUBLIC_INDEX" if ecosystem is Ecosystem.PYPI else "CHAINWARDEN_PUBLIC_NPM_REGISTRY"
    if os.environ.get(var):
        return os.environ[var].strip(), var
    if ecosystem is Ecosystem.PYPI:
        url = pip_builtin_default()
        return (url, "pip's built-in default") if url else None
    url = npm_builtin_registry(default_only=True)
    return (url, "npm's built-in default") if url else None
