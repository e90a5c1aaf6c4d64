"""A small mutation fuzzer for the collectors: every input format, seeded, bounded.

Each case starts from a conformance fixture (tests/collect/fixtures/*), mutates it (byte flips,
truncation, spliced lines, value type swaps in the parsed JSON / TOML / YAML, huge numbers, deep
nesting, very long lines), writes it under its real file name in a fresh folder and runs the
collector on it directly, then folds the result into a graph and asks for dependency paths, as a
scan does. A collector may turn a broken input into Skips or a `CollectError`, and deep nesting into
a `RecursionError` (`collect._run` reports it); anything else it raises is a bug.

``python -m tests.hostile._fuzz --cases 30000 --seed 1`` runs a long campaign and prints every
failure with the input that caused it (written under --keep). tests/hostile/test_inputs.py runs a
few hundred cases.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chainwarden.analyze import dependency_paths
from chainwarden.collect import collector_for
from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import CollectContext, CollectError
from chainwarden.model import Project
from tests.helpers import COLLECT_FIXTURES, real_name

HUGE = "9" * 5000  # more digits than Python converts to an int


@dataclass(frozen=True)
class Case:
    fixture: str  # the fixture it was made from
    mutation: str  # what was done to it
    filename: str  # the real file name it is read as
    content: bytes


@dataclass(frozen=True)
class Failure:
    case: Case
    error: str  # the exception and its traceback


class _Raw(str):
    """Text a TOML writer copies as it is (a number too large to convert)."""


def fixtures() -> list[Path]:
    out = []
    for p in sorted(COLLECT_FIXTURES.iterdir()):
        try:
            real_name(p.name)
        except ValueError:
            continue
        out.append(p)
    return out


# -- structure-level mutations (JSON, TOML, YAML) ------------------------------------------------


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*path, i))


def _replace(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return root


def _odd_value(rng: random.Random, huge: Any) -> Any:
    choices: list[Any] = [
        0, -1, 1.5, float("inf"), True, False, None, "", " ", "x" * rng.randint(1, 3000), [], {}, [1, "a", None],
        {"version": 1}, {"name": 7}, "\x1b[31mred\u202e", "GITHUB_TOKEN=ghp_fuzzfuzzfuzz", "../../../../etc/passwd", "@", "a@",
        "npm:", "workspace:", "link:../..", "file:/proc/self/environ", "git+https://u:p@h.invalid/r", huge,
    ]
    return rng.choice(choices)


def _deep(depth: int, kind: str) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def _mutate_tree(data: Any, rng: random.Random, huge: Any) -> tuple[Any, str]:
    """One to four mutations of a parsed document."""
    done: list[str] = []
    for _ in range(rng.randint(1, 4)):
        data, what = _mutate_once(data, rng, huge)
        done.append(what)
    return data, "; ".join(done)


def _mutate_once(data: Any, rng: random.Random, huge: Any) -> tuple[Any, str]:
    nodes = list(_nodes(data))
    shallow = [n for n in nodes if len(n[0]) <= 4]
    path, _ = rng.choice(shallow if shallow and rng.random() < 0.5 else nodes)
    what = rng.random()
    if what < 0.6:
        return _replace(data, path, _odd_value(rng, huge)), f"value at {path!r} swapped"
    if what < 0.75:
        return _replace(data, path, _deep(rng.choice([50, 400, 3000]), rng.choice(["list", "dict"]))), f"deep nesting at {path!r}"
    if what < 0.9:
        containers = [(p, v) for p, v in nodes if isinstance(v, dict) and v]
        if containers:
            p, v = rng.choice(containers)
            key = rng.choice(list(v))
            v[rng.choice([key + "x", "", "__proto__", "constructor", "\x00", "a" * 500])] = v[key]
            if rng.random() < 0.5:
                del v[key]
            return data, f"key renamed at {p!r}"
    lists = [(p, v) for p, v in nodes if isinstance(v, list) and v]
    if lists:
        p, v = rng.choice(lists)
        v.extend(v * rng.randint(1, 50))
        return data, f"list repeated at {p!r}"
    return _replace(data, path, _odd_value(rng, huge)), f"value at {path!r} swapped"


def _toml_key(key: Any) -> str:
    return json.dumps(str(key), ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, _Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "inf" if v == float("inf") else "-inf" if v == float("-inf") else "nan" if v != v else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False).replace("\\u007f", "\\u007F")
    if v is None:
        return '""'  # TOML has no null
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(str(v))


def toml_dumps(data: dict[str, Any]) -> str:
    """Enough of TOML for the fuzzer: top-level values, then each array of tables as ``[[key]]`` headers."""
    head: list[str] = []
    tail: list[str] = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for item in value:
                tail.append(f"\n[[{_toml_key(key)}]]")
                tail += [f"{_toml_key(k)} = {_toml_value(x)}" for k, x in item.items()]
        elif isinstance(value, dict):
            tail.append(f"\n[{_toml_key(key)}]")
            tail += [f"{_toml_key(k)} = {_toml_value(x)}" for k, x in value.items()]
        else:
            head.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(head + tail) + "\n"


def _structured(name: str, text: str, rng: random.Random) -> tuple[str, str] | None:
    """A structure-level mutation of a JSON, TOML or YAML document; None when the text is not one."""
    real = real_name(name)
    try:
        if real.endswith((".json", ".lock")) and real not in ("yarn.lock",) and text.lstrip().startswith("{"):
            data = json.loads(text)
            data, what = _mutate_tree(data, rng, _Raw(HUGE))
            return json.dumps(data, ensure_ascii=False, indent=rng.choice([None, 2])).replace('"' + HUGE + '"', HUGE), what
        if real.endswith((".toml", ".lock")) or real == "Pipfile":
            data = tomllib.loads(text)
            data, what = _mutate_tree(data, rng, _Raw(HUGE))
            return toml_dumps(data if isinstance(data, dict) else {"value": data}), what
        if real.endswith(".yaml") or real == "yarn.lock" and "__metadata" in text:
            data = yaml.safe_load(text)
            data, what = _mutate_tree(data, rng, int(HUGE[:4000]))
            dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
            return (dumped.replace("9" * 4000, HUGE) if rng.random() < 0.5 else dumped), what
    except (ValueError, yaml.YAMLError, RecursionError):
        return None
    return None


# -- byte- and line-level mutations ------------------------------------------------------------


def _bytes_level(content: bytes, rng: random.Random) -> tuple[bytes, str]:
    data = bytearray(content)
    what = rng.random()
    if what < 0.3 and data:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data), "bytes flipped"
    if what < 0.45:
        return bytes(data[: rng.randrange(len(data) + 1)]), "truncated"
    lines = bytes(data).split(b"\n")
    if what < 0.6 and lines:
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[rng.randrange(len(lines))]] * rng.randint(1, 200)
        return b"\n".join(lines), "line repeated"
    if what < 0.7 and lines:
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + rng.choice([b" ", b"a", b"\\", b"#", b"\"", b"(", b"["]) * rng.randint(1000, 60000)
        return b"\n".join(lines), "very long line"
    if what < 0.8 and lines:
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(b"1", HUGE.encode(), 1) if b"1" in lines[i] else lines[i] + b" " + HUGE.encode()
        return b"\n".join(lines), "huge number"
    if what < 0.9 and lines:
        rng.shuffle(lines)
        return b"\n".join(lines), "lines shuffled"
    junk = rng.choice([b"-r /proc/self/environ", b"-c ../../../../etc/passwd", b"\x00\x01\x02", b"\xff\xfe", b"a==1\na\n    # via b\nb",
                       b"  - [", b"{{{{", b"]]]]", b"'''", b'"""', b"<<: *a", b"&a [*a, *a]", b"--hash", b"-e", b"./local", b"a @ file:///x",
                       b"name = {version = 1}", b"version = 99999999999999999999999999999999", b"\\\n\\\n\\\n",
                       b"-e .", b"-e git+https://x.invalid/r.git#egg=", b"--hash=sha256", b"a[", b"a @", b"a; python_version",
                       b"-r", b"-rfoo.txt", b"--index-url", b"-i https://u:p@x.invalid/simple", b"--config-settings", b"a==1 --hash",
                       b"file:", b"~", b"a==1 \\", b"# via", b"    # via", b"#   -r x", b"a===", b"a==1.*", b"a==1; extra == 'x'",
                       b'"a@1", b@2:', b"  version", b"  dependencies:", b"    x", b"a@npm:b@1:", b"__metadata:", b"---",
                       b"lockfileVersion: 5", b"importers:", b"  .:", b"[[package]]", b"[package.source]", b"[[packages]]",
                       b'"": {}', b'"node_modules/": {"link": true, "resolved": "../../.."}', "\ufeff".encode(), b"\r", b"\x1b[2J"])
    i = rng.randrange(len(lines) + 1)
    lines[i:i] = [junk]
    return b"\n".join(lines), "junk line inserted"


def mutate(fixture: str, content: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutation of a fixture's bytes (structure-level for JSON, TOML and YAML half of the time) and what was done."""
    if rng.random() < 0.5:
        got = _structured(fixture, content.decode("utf-8"), rng)
        if got is not None:
            return got[0].encode("utf-8"), got[1]
    mutated, what = _bytes_level(content, rng)
    if rng.random() < 0.2:
        mutated, more = _bytes_level(mutated, rng)
        what = f"{what}, {more}"
    return mutated, what


def cases(seed: int, count: int) -> Iterator[Case]:
    """`count` mutated inputs, the same for the same seed."""
    rng = random.Random(seed)
    sources = fixtures()
    texts = {p.name: p.read_bytes() for p in sources}
    for _ in range(count):
        src = rng.choice(sources)
        content, what = mutate(src.name, texts[src.name], rng)
        yield Case(src.name, what, real_name(src.name), content)


def check(case: Case, folder: Path) -> Failure | None:
    """Run the case's collector (and the graph and path steps a scan runs next); a Failure on a bug."""
    for old in folder.iterdir():
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    path = folder / case.filename
    path.write_bytes(case.content)
    collector = collector_for(case.filename)
    assert collector is not None, case.filename
    ctx = CollectContext(display_base=folder, roots=(folder.resolve(),))
    try:
        result = collector.collect(path, ctx)
        if collector.is_lockfile:
            result.is_lockfile = True
        eco = collector.ecosystem
        graph = build_graph(Project(root=".", ecosystem=eco, files=(case.filename,), lockfiles=()), [result], result.own_names)
        dependency_paths(graph)
        for skip in result.skips:
            assert "ghp_fuzzfuzzfuzz" not in skip.reason and "ghp_fuzzfuzzfuzz" not in skip.what, skip
    except (CollectError, RecursionError):
        return None
    except Exception:
        return Failure(case, traceback.format_exc())
    return None


def run(seed: int, count: int, *, deadline: float | None = None,
        progress: Callable[[int], None] | None = None) -> tuple[int, list[Failure]]:
    """Run `count` cases (stopping early at `deadline`, a `time.monotonic()` value); (cases run, failures)."""
    failures: list[Failure] = []
    done = 0
    with tempfile.TemporaryDirectory(prefix="cw-fuzz-") as tmp:
        folder = Path(tmp)
        for case in cases(seed, count):
            if deadline is not None and time.monotonic() > deadline:
                break
            failure = check(case, folder)
            if failure is not None:
                failures.append(failure)
            done += 1
            if progress is not None:
                progress(done)
    return done, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write each failing input here")
    args = parser.parse_args(argv)
    started = time.monotonic()
    done, failures = run(args.seed, args.cases, progress=lambda n: print(f"\r{n} cases", end="", file=sys.stderr) if n % 500 == 0 else None)
    print(f"\n{done} cases in {time.monotonic() - started:.1f} s, {len(failures)} failures", file=sys.stderr)
    seen: set[str] = set()
    for i, f in enumerate(failures):
        last = f.error.strip().splitlines()[-1]
        where = [line for line in f.error.splitlines() if line.strip().startswith("File ")][-1:]
        key = f"{last[:80]} {where}"
        if key in seen:
            continue
        seen.add(key)
        print(f"--- {f.case.fixture} ({f.case.mutation})\n{f.error}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"{i}-{f.case.filename}").write_bytes(f.case.content)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
