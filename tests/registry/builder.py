"""Write fixture documents in the registry snapshot layout (see layout.py).

Output is deterministic: keys sorted, digests derived from name + version +
file name, sizes derived from the digest, and a file is only rewritten when its
content changes, so regenerating the data does not churn files or mtimes.

    pypi_project(root, "requests", {"2.31.0": datetime(2023, 5, 22, 15, 12, 44)},
                 requires_dist={"2.31.0": ["urllib3<3,>=1.21.1"]})
    npm_package(root, "chalk", {"4.1.2": datetime(2021, 7, 30, 12, 0)},
                dependencies={"4.1.2": {"ansi-styles": "^4.1.0"}})

Datetimes without a time zone are taken as UTC.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import layout

FILE_HOST = "https://index.invalid"

Releases = Mapping[str, datetime] | Sequence[tuple[str, datetime]]

DEFAULT_CLASSIFIERS = (
    "License :: OSI Approved :: MIT License",
    "Programming Language :: Python :: 3",
)


def pypi_project(
    root: Path,
    name: str,
    releases: Releases,
    *,
    maintainers: Sequence[str] = ("alice",),
    author: str | None = None,
    author_email: str | None = "alice@example.test",
    maintainer: str | None = None,
    maintainer_email: str | None = None,
    summary: str | None = None,
    repository: str | None = None,
    home_page: str | None = None,
    project_urls: Mapping[str, str] | None = None,
    license: str | None = "MIT",
    classifiers: Sequence[str] = DEFAULT_CLASSIFIERS,
    requires_dist: Mapping[str, Sequence[str]] | None = None,
    requires_python: str | Mapping[str, str | None] | None = ">=3.8",
    yanked: Mapping[str, str] | None = None,
    wheel_tags: Sequence[str] = ("py3-none-any",),
    sdist: bool = True,
    files: Mapping[str, Sequence[Path]] | None = None,
) -> Path:
    """Write ``pypi/<name>.json`` (and version documents where needed); return the project path.

    `releases` maps version -> upload time.  `requires_dist` and `requires_python` (when a
    mapping) are per version and carry forward: a version without an entry takes the entry
    of the nearest lower version that has one.  `yanked` maps version -> reason ("" for a
    yank without reason).  Each release gets one sdist (unless ``sdist=False``) and one
    wheel per tag in `wheel_tags`, with made-up digests and no file behind them; a version in
    `files` gets those real archives instead (already written under ``<root>/files/``, see
    archives.py), with their true sha256 and size and a ``/files/<name>`` URL.
    """
    root = Path(root)
    times = {v: _utc(t) for v, t in (releases.items() if isinstance(releases, Mapping) else releases)}
    if not times:
        raise ValueError(f"{name}: a project needs at least one release")
    versions = layout.sorted_versions(times)
    yanked = dict(yanked or {})
    unknown = (set(yanked) | set(requires_dist or {}) | set(files or {})) - set(times)
    if unknown:
        raise ValueError(f"{name}: per-version data for unknown versions {sorted(unknown)}")
    deps = _carry_forward(versions, requires_dist)
    pythons = _carry_forward(versions, requires_python) if isinstance(requires_python, Mapping) \
        else {v: requires_python for v in versions}
    normal = layout.normalise(name)
    repository = repository or f"https://example.test/{maintainers[0] if maintainers else 'alice'}/{normal}"

    release_files = {
        v: _pypi_files(name, v, times[v], pythons[v], yanked.get(v), wheel_tags, sdist, (files or {}).get(v))
        for v in versions
    }
    latest = _pypi_latest(versions, yanked)
    urls = dict(project_urls) if project_urls is not None else {"Homepage": home_page or repository, "Source": repository}
    package_url = f"{FILE_HOST}/project/{normal}/"
    info: dict[str, Any] = {
        "author": author if author is not None else (maintainers[0] if maintainers else ""),
        "author_email": author_email,
        "bugtrack_url": None,
        "classifiers": sorted(classifiers),
        "description": f"# {name}\n\n{summary or ''}\n",
        "description_content_type": "text/markdown",
        "docs_url": None,
        "download_url": None,
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": None,
        "home_page": home_page,
        "keywords": None,
        "license": license,
        "license_expression": None,
        "license_files": None,
        "maintainer": maintainer,
        "maintainer_email": maintainer_email,
        "name": name,
        "package_url": package_url,
        "platform": None,
        "project_url": package_url,
        "project_urls": urls,
        "provides_extra": _extras(deps[latest]),
        "release_url": f"{package_url}{latest}/",
        "requires_dist": _list_or_none(deps[latest]),
        "requires_python": pythons[latest],
        "summary": summary if summary is not None else f"The {name} fixture project.",
        "version": latest,
        "yanked": False,
        "yanked_reason": None,
    }
    roles = [{"role": "Owner" if i == 0 else "Maintainer", "user": u} for i, u in enumerate(maintainers)]
    project = {
        "info": info,
        "last_serial": _serial(max(times.values())),
        "ownership": {"organization": None, "roles": roles},
        "releases": release_files,
        "urls": release_files[latest],
        "vulnerabilities": [],
    }
    path = layout.pypi_path(root, name)
    _write(path, layout.dumps(project))

    # Version documents only where the derived one would be wrong (its dependencies differ).
    written: set[Path] = set()
    for v in versions:
        document = layout.pypi_version_document(project, v)
        assert document is not None
        if deps[v] != deps[latest]:
            document["info"]["requires_dist"] = _list_or_none(deps[v])
            document["info"]["provides_extra"] = _extras(deps[v])
            version_path = layout.pypi_version_path(root, name, v)
            _write(version_path, layout.dumps(document))
            written.add(version_path)
    version_dir = root / layout.PYPI_DIR / normal
    if version_dir.is_dir():
        for stale in version_dir.glob("*.json"):
            if stale not in written:
                stale.unlink()
        if not any(version_dir.iterdir()):
            version_dir.rmdir()
    return path


def npm_package(
    root: Path,
    name: str,
    versions: Mapping[str, datetime],
    *,
    maintainers: Sequence[tuple[str, str]] = (("alice", "alice@example.test"),),
    publishers: Mapping[str, tuple[str, str]] | None = None,
    dependencies: Mapping[str, Mapping[str, str]] | None = None,
    deprecated: Mapping[str, str] | None = None,
    scripts: Mapping[str, Mapping[str, str]] | None = None,
    description: str | None = None,
    repository: str | None = None,
    license: str = "MIT",
    dist_tags: Mapping[str, str] | None = None,
    tarballs: Mapping[str, Path] | None = None,
    version_maintainers: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    version_repository: Mapping[str, str] | None = None,
) -> Path:
    """Write ``npm/<name>.json``; return its path.

    `versions` maps version -> publish time.  `dependencies`, `deprecated`, `scripts` and
    `publishers` (who ran ``npm publish``: ``_npmUser``; default the first maintainer) are
    per version and do not carry forward.  ``dist-tags.latest`` is the highest release
    version unless `dist_tags` says otherwise.
    """
    root = Path(root)
    times = {v: _utc(t) for v, t in versions.items()}
    if not times:
        raise ValueError(f"{name}: a package needs at least one version")
    for label, per_version in (("dependencies", dependencies), ("deprecated", deprecated),
                               ("scripts", scripts), ("publishers", publishers), ("tarballs", tarballs),
                               ("version_maintainers", version_maintainers), ("version_repository", version_repository)):
        unknown = set(per_version or {}) - set(times)
        if unknown:
            raise ValueError(f"{name}: {label} for unknown versions {sorted(unknown)}")
    ordered = sorted(times, key=_semver_key)
    releases = [v for v in ordered if "-" not in v]
    tags = {"latest": (releases or ordered)[-1], **(dist_tags or {})}
    people = [{"email": e, "name": n} for n, e in maintainers]
    repository = repository or f"git+https://example.test/{maintainers[0][0] if maintainers else 'alice'}/{name.lstrip('@')}.git"
    repo = {"type": "git", "url": repository}
    description = description if description is not None else f"The {name} fixture package."
    basename = name.split("/")[-1]

    manifests: dict[str, Any] = {}
    for v in ordered:
        seed = f"npm/{name}/{v}"
        publisher = (publishers or {}).get(v) or (maintainers[0] if maintainers else ("alice", "alice@example.test"))
        manifest: dict[str, Any] = {
            "_id": f"{name}@{v}",
            "_npmUser": {"email": publisher[1], "name": publisher[0]},
            "dependencies": dict((dependencies or {}).get(v, {})),
            "description": description,
            "dist": {
                "fileCount": 4 + int(hashlib.sha256(seed.encode()).hexdigest()[:2], 16) % 20,
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(seed.encode()).digest()).decode(),
                "shasum": hashlib.sha1(seed.encode()).hexdigest(),
                "tarball": f"{FILE_HOST}/npm/{name}/-/{basename}-{v}.tgz",
                "unpackedSize": 2_000 + int(hashlib.sha256(seed.encode()).hexdigest()[2:8], 16) % 100_000,
            },
            "license": license,
            "maintainers": people,
            "name": name,
            "repository": repo,
            "version": v,
        }
        if version_maintainers and v in version_maintainers:
            manifest["maintainers"] = [{"email": e, "name": n} for n, e in version_maintainers[v]]
        if version_repository and v in version_repository:
            manifest["repository"] = {"type": "git", "url": version_repository[v]}
        if tarballs and v in tarballs:
            data = tarballs[v].read_bytes()
            manifest["dist"].update({
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                "shasum": hashlib.sha1(data).hexdigest(),
                "tarball": layout.file_url(tarballs[v].name),
            })
        if deprecated and v in deprecated:
            manifest["deprecated"] = deprecated[v]
        if scripts and v in scripts:
            manifest["scripts"] = dict(scripts[v])
        manifests[v] = manifest

    time_doc = {v: _npm_time(times[v]) for v in ordered}
    time_doc["created"] = _npm_time(min(times.values()) - timedelta(minutes=1))
    time_doc["modified"] = _npm_time(max(times.values()) + timedelta(minutes=1))
    packument = {
        "_id": name,
        "description": description,
        "dist-tags": tags,
        "license": license,
        "maintainers": people,
        "name": name,
        "readme": f"# {name}\n\n{description}\n",
        "repository": repo,
        "time": time_doc,
        "versions": manifests,
    }
    path = layout.npm_path(root, name)
    _write(path, layout.dumps(packument))
    return path


# ---------------------------------------------------------------------- helpers


def file_sha256(name: str, version: str, filename: str) -> str:
    """The fixed digest a fixture file is given (there is no real file behind it)."""
    return hashlib.sha256(f"{layout.normalise(name)}/{version}/{filename}".encode()).hexdigest()


def _pypi_files(
    name: str, version: str, uploaded: datetime, requires_python: str | None,
    yank_reason: str | None, wheel_tags: Sequence[str], sdist: bool, real: Sequence[Path] | None = None,
) -> list[dict[str, Any]]:
    stem = re.sub(r"[-_.]+", "_", name).lower()  # PEP 625 / wheel file name normalisation
    files: list[tuple[str, str, str]] = []
    if real is not None:
        for path in real:
            tag = path.name.removesuffix(".whl").split("-")[-3] if path.name.endswith(".whl") else "source"
            files.append((path.name, "bdist_wheel" if path.name.endswith(".whl") else "sdist", tag))
    else:
        if sdist:
            files.append((f"{stem}-{version}.tar.gz", "sdist", "source"))
        for tag in wheel_tags:
            files.append((f"{stem}-{version}-{tag}.whl", "bdist_wheel", tag.split("-")[0]))
    out = []
    for i, (filename, packagetype, python_version) in enumerate(files):
        data = next((p.read_bytes() for p in real or () if p.name == filename), None)
        sha = hashlib.sha256(data).hexdigest() if data is not None else file_sha256(name, version, filename)
        when = uploaded + timedelta(seconds=7 * i)  # wheels follow the sdist by a few seconds
        out.append({
            "comment_text": "",
            "digests": {"sha256": sha},
            "downloads": -1,
            "filename": filename,
            "has_sig": False,
            "packagetype": packagetype,
            "python_version": python_version,
            "requires_python": requires_python,
            "size": len(data) if data is not None else 8_000 + int(sha[:6], 16) % 400_000,
            "upload_time": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "upload_time_iso_8601": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "url": layout.file_url(filename) if data is not None else f"{FILE_HOST}/packages/{sha[:2]}/{sha[2:4]}/{sha[4:]}/{filename}",
            "yanked": yank_reason is not None,
            "yanked_reason": yank_reason or None,
        })
    return out


def _pypi_latest(versions: list[str], yanked: Mapping[str, str]) -> str:
    """What PyPI shows as info.version: the highest final, unyanked release."""
    for candidates in (
        [v for v in versions if v not in yanked and not layout.is_prerelease(v)],
        [v for v in versions if v not in yanked],
        versions,
    ):
        if candidates:
            return candidates[-1]
    raise AssertionError("unreachable")


def _carry_forward(versions: list[str], per_version: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    current: Any = None
    for v in versions:
        if per_version and v in per_version:
            current = per_version[v]
            if isinstance(current, (list, tuple)):
                current = list(current)
        out[v] = current
    return out


def _list_or_none(items: Sequence[str] | None) -> list[str] | None:
    return list(items) if items else None


def _extras(requires_dist: Sequence[str] | None) -> list[str] | None:
    extras = sorted({m for r in requires_dist or () for m in re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", r)})
    return extras or None


def _serial(latest_upload: datetime) -> int:
    """A serial that grows with time, like PyPI's event counter."""
    return int((latest_upload - datetime(2005, 1, 1, tzinfo=UTC)).total_seconds() // 60)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _npm_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _semver_key(version: str) -> tuple[Any, ...]:
    """semver 2.0 precedence: release numbers, then a pre-release sorts before its release."""
    core, _, pre = version.split("+")[0].partition("-")
    numbers = tuple(int(p) if p.isdigit() else 0 for p in core.split("."))
    if not pre:
        return (numbers, 1, ())
    idents = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (numbers, 0, idents)


def _write(path: Path, text: str) -> None:
    """Write only when the content differs, so unchanged fixtures keep their mtime."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8")
