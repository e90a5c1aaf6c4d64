"""The registry snapshot layout and the documents derived from it.

One module holds every rule about *where* a fixture lives and *how* the
secondary documents (version endpoint, PEP 503/691 simple pages, npm
abbreviated packument) are derived from the stored ones, so the test server,
the builder and any offline reader agree.  Standard library only.

Layout::

    <root>/pypi/<pep503-name>.json            PyPI JSON API project document
    <root>/pypi/<pep503-name>/<version>.json  optional: version document, only
                                              where it differs from the derived one
    <root>/npm/<name>.json                    npm packument
    <root>/npm/@scope/<name>.json             scoped npm packument
    <root>/files/<file name>                  optional: real archives (sdists, wheels, npm
                                              tarballs) of the releases that have them

A document names a real archive by the root-relative URL ``/files/<file name>``. The server
turns it into an absolute URL on itself when it serves the document (`absolute_file_urls`);
an offline reader resolves it against the snapshot root (`file_path`).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

PYPI_DIR = "pypi"
NPM_DIR = "npm"
FILES_DIR = "files"
FILES_PREFIX = "/files/"

SIMPLE_API_VERSION = "1.1"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SIMPLE_HTML = "application/vnd.pypi.simple.v1+html"
NPM_ABBREVIATED = "application/vnd.npm.install-v1+json"

_NORMALISE = re.compile(r"[-_.]+")
_PEP503_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_PEP508_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_NPM_NAME = re.compile(r"^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$")
_VERSION = re.compile(
    r"^v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:(?:-(?P<post_n1>\d+))|(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post_n2>\d*)))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev_n>\d*))?"
    r"(?:[-+].*)?$",
    re.IGNORECASE,
)
_PRE_ORDER = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


# --------------------------------------------------------------------------- names and paths


def file_url(filename: str) -> str:
    """The URL a document gives a real archive: root-relative, made absolute when served."""
    if "/" in filename or filename.startswith("."):
        raise ValueError(f"not a plain file name: {filename!r}")
    return FILES_PREFIX + filename


def file_path(root: Path, url_path: str) -> Path | None:
    """The archive behind ``/files/<name>``, or None for anything else."""
    if not url_path.startswith(FILES_PREFIX):
        return None
    name = url_path[len(FILES_PREFIX):]
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return root / FILES_DIR / name


def absolute_file_urls(body: bytes, base: str) -> bytes:
    """Every ``"/files/...`` URL in a served document (JSON string or HTML attribute), on `base`."""
    return body.replace(b'"' + FILES_PREFIX.encode(), b'"' + base.rstrip("/").encode() + FILES_PREFIX.encode())


def normalise(name: str) -> str:
    """PEP 503 normalised form of a Python project name."""
    return _NORMALISE.sub("-", name).lower()


def is_valid_pypi_name(name: str) -> bool:
    return bool(_PEP508_NAME.match(name))


def is_valid_npm_name(name: str) -> bool:
    return bool(_NPM_NAME.match(name)) and ".." not in name


def pypi_path(root: Path, name: str) -> Path:
    normal = normalise(name)
    if not _PEP503_NAME.match(normal):
        raise ValueError(f"not a valid Python project name: {name!r}")
    return root / PYPI_DIR / f"{normal}.json"


def pypi_version_path(root: Path, name: str, version: str) -> Path:
    if "/" in version or "\\" in version or version.startswith("."):
        raise ValueError(f"not a valid version: {version!r}")
    return root / PYPI_DIR / normalise(name) / f"{version}.json"


def npm_path(root: Path, name: str) -> Path:
    if not is_valid_npm_name(name):
        raise ValueError(f"not a valid npm package name: {name!r}")
    return root / NPM_DIR / f"{name}.json"


def pypi_names(root: Path) -> list[str]:
    """Every PyPI project in the snapshot, by normalised name, sorted."""
    return sorted(p.stem for p in (root / PYPI_DIR).glob("*.json"))


def npm_names(root: Path) -> list[str]:
    base = root / NPM_DIR
    return sorted(p.relative_to(base).with_suffix("").as_posix() for p in base.rglob("*.json"))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def dumps(document: Any) -> str:
    """The one serialisation used for files on disk: sorted, indented, newline-terminated."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- versions


def version_key(version: str) -> tuple[Any, ...]:
    """A sort key following PEP 440 ordering for the version forms fixtures use.

    Falls back to ordering unparsable versions before all others, by their text.
    """
    m = _VERSION.match(version.strip())
    if not m:
        return (-1, (), 0, 0, 0, version)
    release = tuple(int(p) for p in m["release"].split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    if m["pre_l"]:
        pre: tuple[int, int] = (_PRE_ORDER[m["pre_l"].lower()], int(m["pre_n"] or 0))
    elif m["dev_n"] is not None and not (m["post_n1"] or m["post_n2"] is not None):
        pre = (-1, 0)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre = (9, 0)
    post_text = m["post_n1"] or m["post_n2"]
    post = -1 if post_text is None else int(post_text or 0)
    dev = 1 << 30 if m["dev_n"] is None else int(m["dev_n"] or 0)
    return (int(m["epoch"] or 0), release, pre, post, dev, "")


def is_prerelease(version: str) -> bool:
    m = _VERSION.match(version.strip())
    return bool(m and (m["pre_l"] or m["dev_n"] is not None))


def sorted_versions(versions: Any) -> list[str]:
    return sorted(versions, key=version_key)


# --------------------------------------------------------------------------- PyPI derived documents


def pypi_version_document(project: dict[str, Any], version: str) -> dict[str, Any] | None:
    """The ``/pypi/<name>/<version>/json`` document derived from a project document.

    ``info`` is the project's info with this version's ``version``, ``requires_python``
    and yank state (from its files); ``requires_dist`` is the latest version's, which is
    why the builder writes a version file when a version's dependencies differ.
    Returns None for an unknown version.
    """
    files = project.get("releases", {}).get(version)
    if files is None:
        return None
    info = dict(project["info"])
    info["version"] = version
    info["release_url"] = _release_url(info, version)
    if files:
        info["requires_python"] = files[0].get("requires_python")
        yanked = all(f.get("yanked") for f in files)
        info["yanked"] = yanked
        info["yanked_reason"] = files[0].get("yanked_reason") if yanked else None
    else:
        info["yanked"], info["yanked_reason"] = False, None
    document: dict[str, Any] = {
        "info": info,
        "last_serial": project.get("last_serial", 0),
        "urls": files,
        "vulnerabilities": [],
    }
    if "ownership" in project:
        document["ownership"] = project["ownership"]
    return document


def _release_url(info: dict[str, Any], version: str) -> str | None:
    package_url = info.get("package_url")
    return f"{package_url.rstrip('/')}/{version}/" if package_url else None


def simple_files(project: dict[str, Any]) -> list[dict[str, Any]]:
    """All files of a project, oldest version first, as PEP 691/700 file entries."""
    releases: dict[str, list[dict[str, Any]]] = project.get("releases", {})
    out = []
    for version in sorted_versions(releases):
        for f in sorted(releases[version], key=lambda f: f["filename"]):
            if f.get("yanked"):
                yanked: bool | str = f.get("yanked_reason") or True
            else:
                yanked = False
            out.append({
                "filename": f["filename"],
                "url": f["url"],
                "hashes": {k: v for k, v in f.get("digests", {}).items() if k == "sha256"},
                "requires-python": f.get("requires_python"),
                "upload-time": f.get("upload_time_iso_8601"),
                "yanked": yanked,
                "size": f.get("size"),
            })
    return out


def simple_project_json(project: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": project.get("last_serial", 0)},
        "name": normalise(project["info"]["name"]),
        "files": simple_files(project),
        "versions": sorted_versions(project.get("releases", {})),
    }


def simple_project_html(project: dict[str, Any]) -> str:
    name = normalise(project["info"]["name"])
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{SIMPLE_API_VERSION}">',
        f"    <title>Links for {html.escape(name)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {html.escape(name)}</h1>",
    ]
    for f in simple_files(project):
        href = f["url"]
        if "sha256" in f["hashes"]:
            href += "#sha256=" + f["hashes"]["sha256"]
        attrs = f'href="{html.escape(href)}"'
        if f["requires-python"]:
            attrs += f' data-requires-python="{html.escape(f["requires-python"])}"'
        if f["yanked"] is not False:
            reason = "" if f["yanked"] is True else f["yanked"]
            attrs += f' data-yanked="{html.escape(reason)}"'
        lines.append(f"    <a {attrs}>{html.escape(f['filename'])}</a><br />")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def simple_index_json(names: list[str]) -> dict[str, Any]:
    return {"meta": {"api-version": SIMPLE_API_VERSION}, "projects": [{"name": n} for n in names]}


def simple_index_html(names: list[str]) -> str:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{SIMPLE_API_VERSION}">',
        "    <title>Simple index</title>",
        "  </head>",
        "  <body>",
    ]
    lines += [f'    <a href="/simple/{html.escape(n)}/">{html.escape(n)}</a>' for n in names]
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- npm derived documents

_ABBREVIATED_VERSION_FIELDS = (
    "name", "version", "dependencies", "optionalDependencies", "devDependencies",
    "bundleDependencies", "peerDependencies", "peerDependenciesMeta", "bin", "directories",
    "dist", "engines", "deprecated", "os", "cpu", "_hasShrinkwrap", "hasInstallScript",
)
_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")


def npm_abbreviated(packument: dict[str, Any]) -> dict[str, Any]:
    """The "corgi" document npm install asks for with ``Accept: application/vnd.npm.install-v1+json``."""
    versions = {}
    for version, manifest in packument.get("versions", {}).items():
        short = {k: manifest[k] for k in _ABBREVIATED_VERSION_FIELDS if k in manifest}
        if any(s in manifest.get("scripts", {}) for s in _INSTALL_SCRIPTS):
            short["hasInstallScript"] = True
        versions[version] = short
    return {
        "name": packument["name"],
        "dist-tags": packument.get("dist-tags", {}),
        "modified": packument.get("time", {}).get("modified"),
        "versions": versions,
    }


def npm_version_document(packument: dict[str, Any], spec: str) -> dict[str, Any] | None:
    """``GET /<name>/<version-or-tag>``: one version's manifest, or None."""
    version = packument.get("dist-tags", {}).get(spec, spec)
    manifest = packument.get("versions", {}).get(version)
    return dict(manifest) if manifest is not None else None
