"""``chainwarden serve`` and ``chainwarden index ...``: the guarded package index and its admin commands.

Only argparse is imported at the top: ``chainwarden --version`` and the scanner's commands never load the
server stack (uvicorn, the store, the app); each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from chainwarden.cli import EXIT_PASS, EXIT_USAGE, as_of_date

DEFAULT_PORT = 3141


def _author() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def add_parsers(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """The ``serve`` and ``index`` commands, added to the main parser's subcommands."""
    srv = sub.add_parser("serve", help="run the guarded package index: pip, uv and twine use it (docs/serve.md)")
    srv.add_argument("--config", metavar="FILE", type=Path, help="policy file with the [serve] section "
                     "(default: chainwarden.toml or [tool.chainwarden] found from the current folder upwards)")
    srv.add_argument("--upstream", metavar="URL", help="the simple index proxied (default: [serve] upstream, then your "
                     "pip/uv configuration)")
    srv.add_argument("--store", metavar="DIR", type=Path, help="where the index keeps its files, database and audit log "
                     "(default: <user cache dir>/serve)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    srv.add_argument("--workers", type=int, default=2, metavar="N", help="worker processes (default 2)")
    srv.add_argument("--as-of", metavar="DATE", type=as_of_date, help="judge release ages as of this date (demos, tests)")
    srv.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])

    idx = sub.add_parser("index", help="administer a guarded index: status, held, approve, block, waive, audit")
    isub = idx.add_subparsers(dest="index_command", metavar="ACTION", parser_class=parser_class)

    def target(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("which index (one of)")
        g.add_argument("--store", metavar="DIR", type=Path, help="the index's store folder (default: <user cache dir>/serve)")
        g.add_argument("--server", metavar="URL", help="a running index, e.g. http://127.0.0.1:3141 (env CHAINWARDEN_INDEX_SERVER)")
        g.add_argument("--token", metavar="TOKEN", help="a token with the admin scope, for --server (env CHAINWARDEN_INDEX_TOKEN)")
        p.add_argument("--json", action="store_true", help="print JSON")

    def who(p: argparse.ArgumentParser, expires: bool) -> None:
        p.add_argument("--author", help="who decides (default: your login name)")
        p.add_argument("--reason", required=True, help="why: it is recorded with the decision and in the audit log")
        p.add_argument("--expires", metavar="DATE", required=expires, help="when it ends, e.g. 2027-03-31"
                       + ("" if expires else " (default: never)"))

    target(isub.add_parser("status", help="what the index holds: releases served, held, blocked; overrides"))
    target(isub.add_parser("held", help="the releases held or blocked now, and why"))
    ap = isub.add_parser("approve", help="release the holds on one release (not its blocks): NAME==VERSION")
    ap.add_argument("spec", metavar="NAME==VERSION")
    ap.add_argument("--bypass", action="store_true", help="EMERGENCY: serve it whatever blocks it (audited as a bypass)")
    who(ap, True)
    target(ap)
    bl = isub.add_parser("block", help="block a project (NAME) or one release (NAME==VERSION)")
    bl.add_argument("spec", metavar="NAME[==VERSION]")
    who(bl, False)
    target(bl)
    wv = isub.add_parser("waive", help="switch one check off for a project or a release, until a date")
    wv.add_argument("spec", metavar="NAME[==VERSION]")
    wv.add_argument("--check", required=True, help="cooldown, no-upload-time, dormant-then-released, owners-changed, "
                    "repository-changed, static-analysis, known-malicious, typosquat, manual-block, or '*'")
    who(wv, True)
    target(wv)
    rv = isub.add_parser("revoke", help="end an approval, waiver or block early (its number: index status --json, overrides)")
    rv.add_argument("id", type=int, metavar="NUMBER")
    rv.add_argument("--author", help="who revokes (default: your login name)")
    rv.add_argument("--reason", required=True)
    target(rv)
    au = isub.add_parser("audit", help="the audit log, filtered: who decided what, when and why")
    au.add_argument("--project", help="only this project")
    au.add_argument("--version", help="only this version")
    au.add_argument("--event", help="only this event (served, held, blocked, released, denied, approved, waived, ...)")
    au.add_argument("--since", metavar="DATE", help="only events at or after this time (ISO 8601, UTC)")
    au.add_argument("--limit", type=int, default=200, help="the last N events (default 200)")
    target(au)
    tk = isub.add_parser("token", help="create a token (printed once; only its hash is kept) for --store")
    tk.add_argument("name", help="who or what uses it (recorded in the audit log)")
    tk.add_argument("--scope", action="append", choices=["read", "upload", "admin"], required=True)
    tk.add_argument("--store", metavar="DIR", type=Path)


def _store_dir(path: Path | None) -> Path:
    if path is not None:
        return path
    from chainwarden.enrich.cache import default_cache_dir

    return default_cache_dir() / "serve"


def run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    return _index(args)


def _serve(args: argparse.Namespace) -> int:
    from chainwarden.decide import PolicyError, find_policy, load_policy
    from chainwarden.serve.app import CONFIG_ENV, ServeConfig
    from chainwarden.serve.store import EmbeddedStore, StoreError

    if args.workers < 1 or not 0 < args.port < 65536:
        print("chainwarden: error: --workers must be >= 1 and --port between 1 and 65535", file=sys.stderr)
        return EXIT_USAGE
    config_path = args.config or find_policy(Path.cwd())
    upstream_policy = None
    if config_path is not None:
        try:
            policy = load_policy(config_path)
        except PolicyError as exc:
            print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
            return EXIT_USAGE
        upstream_policy = policy.serve.upstream
    upstream = args.upstream or upstream_policy
    if upstream is None:
        from chainwarden.enrich.index_config import IndexConfigError, resolve_settings

        try:
            choice = resolve_settings([Path.cwd()], need_pypi=True, need_npm=False).pypi
        except IndexConfigError as exc:
            print(f"chainwarden: error: no upstream index: {exc}", file=sys.stderr)
            return EXIT_USAGE
        upstream = choice.url if choice else None
    if upstream is not None and not upstream.startswith(("http://", "https://")):
        print(f"chainwarden: error: --upstream {upstream}: expected an http(s):// URL of a simple index", file=sys.stderr)
        return EXIT_USAGE
    store_dir = _store_dir(args.store).resolve()
    try:
        EmbeddedStore(store_dir).close()  # made and migrated once, before the workers start
    except StoreError as exc:
        print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    config = ServeConfig(str(store_dir), upstream, str(config_path.resolve()) if config_path else None,
                         args.as_of.timestamp() if args.as_of else None)
    os.environ[CONFIG_ENV] = config.to_env()
    import uvicorn

    print(f"chainwarden serve: http://{args.host}:{args.port}/simple/ (upstream {upstream or 'none'}; store {store_dir}; "
          f"policy {config_path or 'built-in defaults'}; {args.workers} worker(s))", file=sys.stderr, flush=True)
    uvicorn.run("chainwarden.serve.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=args.log_level in ("debug", "info"), loop="auto", http="auto",
                lifespan="on", timeout_graceful_shutdown=5)
    return EXIT_PASS


def _remote(args: argparse.Namespace, method: str, action: str, payload: dict[str, Any] | None = None) -> Any:
    import httpx

    token = args.token or os.environ.get("CHAINWARDEN_INDEX_TOKEN", "")
    server = (args.server or os.environ.get("CHAINWARDEN_INDEX_SERVER", "")).rstrip("/")
    response = httpx.request(method, f"{server}/-/admin/{action}", json=payload, timeout=30.0,
                             headers={"Authorization": f"Bearer {token}"} if token else {})
    if response.status_code != 200:
        raise RuntimeError(f"{server} answered {response.status_code}: {response.text.strip()[:500]}")
    return response.json()


def _index(args: argparse.Namespace) -> int:
    import json

    from chainwarden.model import shown
    from chainwarden.serve import admin

    command = args.index_command
    if hasattr(args, "author") and not args.author:
        args.author = _author()
    if command is None:
        print("chainwarden: error: index needs an action: status, held, approve, block, waive, revoke, audit, token",
              file=sys.stderr)
        return EXIT_USAGE
    remote = bool(getattr(args, "server", None) or os.environ.get("CHAINWARDEN_INDEX_SERVER")) and command != "token"
    store = None
    try:
        if not remote:
            from chainwarden.serve.store import DB_FILE, EmbeddedStore, StoreError

            folder = _store_dir(args.store)
            if command != "token" and not (folder / DB_FILE).is_file():
                print(f"chainwarden: error: no index store in {folder} (chainwarden serve --store DIR makes one; "
                      "or name a running index with --server URL)", file=sys.stderr)
                return EXIT_USAGE
            try:
                store = EmbeddedStore(folder)
            except StoreError as exc:
                print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
                return EXIT_USAGE
        result: Any
        if command == "token":
            assert store is not None
            secret = store.add_token(args.name, args.scope)
            print(secret)
            print(f"token for {args.name} ({', '.join(sorted(set(args.scope)))}): shown once, only its hash is kept",
                  file=sys.stderr)
            return EXIT_PASS
        if command in ("status", "held"):
            result = _remote(args, "GET", command) if remote else getattr(admin, command)(store)
        elif command in ("approve", "block", "waive"):
            kind = "bypass" if command == "approve" and args.bypass else command
            payload = {"kind": kind, "spec": args.spec, "author": args.author, "reason": args.reason,
                       "expires": args.expires, "check": getattr(args, "check", "") or ""}
            if remote:
                result = _remote(args, "POST", "change", payload)
            else:
                assert store is not None
                result = admin.change(store, kind, args.spec, author=args.author, reason=args.reason,
                                      expires=args.expires, check=payload["check"]).__dict__
        elif command == "revoke":
            payload = {"id": args.id, "author": args.author, "reason": args.reason}
            result = _remote(args, "POST", "revoke", payload) if remote else \
                admin.revoke(store, args.id, author=args.author, reason=args.reason).__dict__  # type: ignore[arg-type]
        elif command == "audit":
            filters = {"project": args.project, "version": args.version, "event": args.event, "since": args.since,
                       "limit": args.limit}
            result = _remote(args, "POST", "audit", filters) if remote else admin.audit(store, **filters)  # type: ignore[arg-type]
        else:
            return EXIT_USAGE
    except admin.AdminError as exc:
        print(f"chainwarden: error: {exc.reason}", file=sys.stderr)
        return EXIT_USAGE
    except (RuntimeError, OSError) as exc:
        print(f"chainwarden: error: {shown(str(exc), 600)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if store is not None:
            store.close()
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return EXIT_PASS
    _print(command, result)
    return EXIT_PASS


def _print(command: str, result: Any) -> None:
    from datetime import UTC, datetime

    from chainwarden.model import shown

    if command == "status":
        counts = ", ".join(f"{n} {state}" for state, n in sorted(result["releases"].items())) or "no releases judged yet"
        print(f"store {result['store']}: {result['projects']} projects; releases: {counts}; "
              f"{result['active-overrides']} active overrides")
        if result["internal-projects"]:
            print("internal projects: " + ", ".join(result["internal-projects"]))
    elif command == "held":
        if not result:
            print("nothing is held or blocked")
        for d in result:
            print(f"{d['state'].upper():8} {d['project']} {d['version']} (since {d['since']})")
            for r in d["reasons"]:
                print(f"         - {shown(r, 600)}")
    elif command == "audit":
        for e in result:
            where = " ".join(x for x in (e.get("project", ""), e.get("version", ""), e.get("file", "")) if x)
            print(f"{e.get('time', '')} {e['event']:14} {where} by {e.get('actor', '')}")
            for r in e.get("reasons", []):
                print(f"    - {shown(r, 600)}")
    else:
        o = result
        what = f"{o['project']}" + (f"=={o['version']}" if o.get("version") else "")
        expires = datetime.fromtimestamp(o["expires"], UTC).strftime("%Y-%m-%d") if o.get("expires") else "never"
        print(f"#{o['id']} {o['kind']} {what}" + (f" (check {o['check']})" if o.get("check") else "")
              + f" by {o['author']}: {shown(o['reason'], 300)}; expires {expires}")
