"""What the index sends: the simple repository API (PEP 503 HTML, PEP 691 JSON) and the JSON API, from a view.

- Content negotiation (PEP 691): ``Accept`` with q-values over ``application/vnd.pypi.simple.v1+json``,
  ``application/vnd.pypi.simple.v1+html``, ``text/html`` (and the ``latest`` aliases); no ``Accept`` is ``*/*``,
  which gets ``text/html``; nothing acceptable is 406. Every answer varies by ``Accept``.
- API version 1.4: PEP 700 ``versions``, ``size``, ``upload-time`` (upstream's, never the time we cached
  it), PEP 658/714 ``core-metadata`` (and the older ``dist-info-metadata`` spelling), PEP 592 ``yanked``,
  PEP 792 ``project-status``, a sha256 on every file. Our own annotations (what is withheld and why, a stale
  answer) are under ``_chainwarden`` (PEP 700 reserves ``_``-prefixed keys), and in ``<meta>`` for HTML.
- File URLs are relative (``../../files/<sha256>/<filename>``), so the index may sit behind a path prefix.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Any

from chainwarden.serve.index import ProjectView, ServedFile

API_VERSION = "1.4"
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
_OFFERS = (  # (media type answered, what may ask for it, preference when only a wildcard matched)
    ("json", JSON_V1, (JSON_V1, "application/vnd.pypi.simple.latest+json"), 0),
    ("html", HTML_V1, (HTML_V1, "application/vnd.pypi.simple.latest+html"), 1),
    ("html", TEXT_HTML, (TEXT_HTML,), 2),
)


def negotiate(accept: str | None) -> tuple[str, str] | None:
    """(``"json"`` or ``"html"``, the Content-Type) for an ``Accept`` header, or None when nothing fits (406)."""
    ranges: list[tuple[str, float]] = []
    for part in (accept or "*/*").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for p in params:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = min(max(float(v), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    best: tuple[tuple[float, int, int], str, str] | None = None
    for position, (fmt, content_type, names, wildcard_rank) in enumerate(_OFFERS):
        score: tuple[float, int] | None = None
        for media, q in ranges:
            major = content_type.split("/")[0]
            spec = 2 if media in names else 1 if media == f"{major}/*" else 0 if media == "*/*" else -1
            if spec < 0:
                continue
            if score is None or spec > score[1]:
                score = (q, spec)
        if score is None or score[0] <= 0:
            continue
        # named exactly: JSON first (what pip and uv ask for first); by a wildcard only: text/html (browsers)
        key = (score[0], score[1], -position if score[1] == 2 else wildcard_rank)
        if best is None or key > best[0]:
            best = (key, fmt, content_type)
    return (best[1], best[2]) if best else None


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _file_url(f: ServedFile) -> str:
    return f"../../files/{f.sha256}/{f.filename}"


def _annotations(view: ProjectView) -> dict[str, Any]:
    out: dict[str, Any] = {}
    held = {v: list(d.reasons) for v, d in view.withheld.items() if d.state == "held"}
    blocked = {v: list(d.reasons) for v, d in view.withheld.items() if d.state == "blocked"}
    if held:
        out["held"] = held
    if blocked:
        out["blocked"] = blocked
    if view.stale:
        out["stale"] = view.stale
    if view.notes:
        out["not-checked"] = list(view.notes)
    if view.internal:
        out["internal"] = True
    return out


def project_json(view: ProjectView) -> bytes:
    files = []
    for f in view.files:
        entry: dict[str, Any] = {"filename": f.filename, "url": _file_url(f), "hashes": {"sha256": f.sha256}}
        if f.requires_python:
            entry["requires-python"] = f.requires_python
        if f.size is not None:
            entry["size"] = f.size
        if f.upload_time:
            entry["upload-time"] = f.upload_time
        entry["yanked"] = f.yanked
        if f.metadata_sha256:
            entry["core-metadata"] = {"sha256": f.metadata_sha256}
            entry["dist-info-metadata"] = {"sha256": f.metadata_sha256}
        files.append(entry)
    doc: dict[str, Any] = {"meta": {"api-version": API_VERSION}, "name": view.name, "files": files,
                           "versions": list(view.versions)}
    if view.status:
        doc["project-status"] = {"status": view.status, **({"reason": view.status_reason} if view.status_reason else {})}
    notes = _annotations(view)
    if notes:
        doc["_chainwarden"] = notes
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def project_html(view: ProjectView) -> bytes:
    esc = html.escape
    name = esc(view.name)
    lines = ["<!DOCTYPE html>", "<html>", "<head>", f'<meta name="pypi:repository-version" content="{API_VERSION}">']
    if view.status:
        lines.append(f'<meta name="pypi:project-status" content="{esc(view.status)}">')
        if view.status_reason:
            lines.append(f'<meta name="pypi:project-status-reason" content="{esc(view.status_reason)}">')
    for key, value in _annotations(view).items():
        lines.append(f'<meta name="chainwarden:{esc(key)}" content="{esc(json.dumps(value, ensure_ascii=False))}">')
    lines += [f"<title>Links for {name}</title>", "</head>", "<body>", f"<h1>Links for {name}</h1>"]
    for f in view.files:
        attrs = f'href="{esc(_file_url(f))}#sha256={f.sha256}"'
        if f.requires_python:
            attrs += f' data-requires-python="{esc(f.requires_python)}"'
        if f.metadata_sha256:
            attrs += f' data-core-metadata="sha256={f.metadata_sha256}" data-dist-info-metadata="sha256={f.metadata_sha256}"'
        if f.yanked is not False:
            attrs += f' data-yanked="{esc(f.yanked if isinstance(f.yanked, str) else "")}"'
        lines.append(f"<a {attrs}>{esc(f.filename)}</a><br>")
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode()


def root_json(names: list[str]) -> bytes:
    return json.dumps({"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]},
                      separators=(",", ":")).encode()


def root_html(names: list[str]) -> bytes:
    lines = ["<!DOCTYPE html>", "<html>", "<head>", f'<meta name="pypi:repository-version" content="{API_VERSION}">',
             "<title>Simple index</title>", "</head>", "<body>"]
    lines += [f'<a href="{html.escape(n)}/">{html.escape(n)}</a><br>' for n in names]
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode()


# ---------------------------------------------------------------------------------- the JSON API


def _api_file(f: ServedFile, base: str, upstream: dict[str, Any] | None) -> dict[str, Any]:
    entry = dict(upstream or {})
    digests = entry.get("digests")
    entry.update({
        "filename": f.filename, "url": base.rstrip("/") + f.path,
        "digests": {**(digests if isinstance(digests, dict) else {}), "sha256": f.sha256},
        "packagetype": entry.get("packagetype") or ("bdist_wheel" if f.filename.endswith(".whl") else "sdist"),
        "requires_python": f.requires_python, "yanked": f.yanked is not False,
        "yanked_reason": f.yanked if isinstance(f.yanked, str) else None,
    })
    if f.size is not None:
        entry["size"] = f.size
    if f.upload_time:
        entry.setdefault("upload_time_iso_8601", f.upload_time)
        entry.setdefault("upload_time", f.upload_time.rstrip("Z").split(".")[0])
    return entry


def json_api(view: ProjectView, base: str, version: str | None = None,
             version_document: dict[str, Any] | None = None) -> bytes:
    """``/pypi/<name>/json`` (or one version's) filtered as the simple pages are: only served releases, file URLs
    on this index, ``info.version`` the newest served release."""
    from packaging.version import InvalidVersion, Version

    upstream_files: dict[str, dict[str, Any]] = {}
    doc = view.json_document or {}
    releases_in = doc.get("releases") if isinstance(doc.get("releases"), dict) else {}
    assert isinstance(releases_in, dict)
    for files in releases_in.values():
        for f in files if isinstance(files, list) else []:
            if isinstance(f, dict) and isinstance(f.get("filename"), str):
                upstream_files[f["filename"]] = f
    releases: dict[str, list[dict[str, Any]]] = {v: [] for v in view.versions}
    for f in view.files:
        releases.setdefault(f.version, []).append(_api_file(f, base, upstream_files.get(f.filename)))

    def stable(v: str) -> bool:
        try:
            return not Version(v).is_prerelease
        except InvalidVersion:
            return False

    latest = version or next((v for v in reversed(view.versions) if stable(v)), view.versions[-1] if view.versions else None)
    info = dict(doc.get("info") or {}) if isinstance(doc.get("info"), dict) else {}
    if version_document is not None and isinstance(version_document.get("info"), dict):
        info = dict(version_document["info"])
    if not info:
        info = {"name": view.name}
    if latest is not None:
        info["version"] = latest
        first = next((f for f in view.files if f.version == latest and f.requires_python), None)
        if first is not None:
            info["requires_python"] = first.requires_python
    out: dict[str, Any] = {"info": info, "last_serial": doc.get("last_serial", 0),
                           "urls": releases.get(latest or "", []), "vulnerabilities": doc.get("vulnerabilities", [])}
    if version is None:
        out["releases"] = releases
    if isinstance(doc.get("ownership"), dict):
        out["ownership"] = doc["ownership"]
    notes = _annotations(view)
    if notes:
        out["_chainwarden"] = notes
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()
