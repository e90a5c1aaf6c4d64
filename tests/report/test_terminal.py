"""The terminal report as a person reads it at 80, 100 and 160 columns: a package name or a file:line is never
split across lines, no line is wider than the terminal, and a wrapped finding, path or "could not check" line
stays under its own text instead of falling back to column 0."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rich.console import Console

from chainwarden.model import (
    Confidence,
    Dependency,
    DependencyGraph,
    Ecosystem,
    EnrichedGraph,
    Finding,
    PackageId,
    PolicySummary,
    Project,
    RegistryFacts,
    ScanResult,
    Scope,
    Severity,
    Skip,
    SourceLocation,
    Verdict,
)
from chainwarden.report import terminal

NOW = datetime(2026, 11, 21, tzinfo=UTC)

# Real names of this length are common in real lockfiles (vue core's pnpm-lock.yaml, an OpenTelemetry uv.lock)
NPM = [
    ("@unrs/resolver-binding-linux-arm-musleabihf", "1.11.1", ("pnpm-lock.yaml:12479",)),
    ("@typescript-eslint/eslint-plugin", "8.46.0-alpha.12", ("package.json:65", "pnpm-lock.yaml:479")),
    ("@rollup/plugin-node-resolve", "16.0.3", ("package.json:70", "pnpm-lock.yaml:1062")),
    ("@vitest/browser-playwright", "4.1.10", ("package.json:77", "pnpm-lock.yaml:1551")),
    ("esbuild", "0.25.10", ("pnpm-lock.yaml:2013",)),
]
PYPI = [
    ("opentelemetry-instrumentation-asgi", "0.59b0", ("requirements/development.txt:6", "uv.lock:1234")),
    ("sphinxcontrib-serializinghtml", "2.0.0", ("uv.lock:2231",)),
    ("requests", "2.32.3", ("requirements.txt:6",)),
]
LONG_MESSAGE = ("@typescript-eslint/eslint-plugin looks like eslint-plugin (scope (eslint-plugin republished under the "
                "scope @typescript-eslint)), a popular package with 123,456,789 downloads in the list's period")
LONG_FIX = ("if you meant eslint-plugin, fix the name in the file that declares it and check the machines that "
            "installed @typescript-eslint/eslint-plugin; if it is what you meant, ignore this finding for it")


def _graph(root: str, eco: Ecosystem, rows: list[tuple[str, str, tuple[str, ...]]]) -> EnrichedGraph:
    deps, facts = [], {}
    for i, (name, version, sources) in enumerate(rows):
        package = PackageId(eco, name, version)
        locations = tuple(SourceLocation(f"{root}/{s.rsplit(':', 1)[0]}", int(s.rsplit(":", 1)[1])) for s in sources)
        deps.append(Dependency(package, locations, direct=i % 2 == 0, scope=Scope.DEV if i % 3 else Scope.RUNTIME, locked=True))
        facts[package] = RegistryFacts(True, "https://index.test/", latest_version=f"{version}.1" if i % 2 else version,
                                       version_released=datetime(2025, 10, 28, tzinfo=UTC))
    project = Project(root=root, ecosystem=eco, files=(), lockfiles=())
    return EnrichedGraph(DependencyGraph(project, tuple(deps)), facts)


def _result() -> ScanResult:
    npm, pypi = _graph("web", Ecosystem.NPM, NPM), _graph("api", Ecosystem.PYPI, PYPI)
    victim = npm.graph.dependencies[1].package
    finding = Finding("typosquat", Severity.HIGH, Confidence.MEDIUM, victim, LONG_MESSAGE, SourceLocation("web/package.json", 65),
                      fix=LONG_FIX, path=(npm.graph.dependencies[0].package, npm.graph.dependencies[2].package, victim))
    skip = Skip("pypi:sphinxcontrib-serializinghtml", "could not fetch https://index.test/pypi/sphinxcontrib-serializinghtml/json: "
                "could not connect (the connection was refused) after 4 attempts")
    return ScanResult(graphs=(npm, pypi), findings=(finding,), skips=(skip,),
                      verdict=Verdict(False, (finding,), (f"typosquat on {victim} (high) fails by fail-on = high",)),
                      policy=PolicySummary(None, Severity.HIGH), indexes={}, ignored=0, started=NOW, duration=0.5,
                      tool_version="0.1.0")


def _render(result: ScanResult, width: int) -> list[str]:
    out = io.StringIO()
    terminal.render(result, Console(file=out, width=width, no_color=True, legacy_windows=False))
    return out.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 100, 160])
def test_names_and_file_lines_are_never_split(width: int) -> None:
    lines = _render(_result(), width)
    assert max(len(line) for line in lines) <= width
    for root, rows in (("", NPM), ("", PYPI)):
        for name, version, sources in rows:
            assert any(name in line for line in lines), (name, width)
            assert any(version in line for line in lines), (version, width)
            for source in sources:
                assert any(root + source in line for line in lines), (source, width)


def test_the_widest_terminal_shows_every_column_and_a_narrow_one_says_what_it_left_out() -> None:
    wide = _render(_result(), 160)
    headers = [line.split() for line in wide if line.startswith("Package")]
    assert headers and all(h == ["Package", "Version", "Scope", "Latest", "Released", "Declared", "at"] for h in headers)
    assert not any("left out" in line for line in wide)
    narrow = _render(_result(), 80)
    headers = [line.split() for line in narrow if line.startswith("Package")]
    assert headers and all("Released" not in h for h in headers)
    assert "left out where the terminal is too narrow (--format json has them)" in " ".join(narrow)


@pytest.mark.parametrize("width", [80, 100])
def test_wrapped_text_stays_under_its_own_start(width: int) -> None:
    lines = _render(_result(), width)
    message = next(i for i, line in enumerate(lines) if line.lstrip().startswith("@typescript-eslint/eslint-plugin looks like"))
    indent = len(lines[message]) - len(lines[message].lstrip())
    fix = next(i for i in range(message, len(lines)) if lines[i].lstrip().startswith("fix:"))
    assert fix > message + 1  # the message wrapped
    for line in lines[message + 1:fix]:
        assert len(line) - len(line.lstrip()) == indent, line
    fix_text = lines[fix].index("fix:") + len("fix: ")
    for line in lines[fix + 1:]:
        if not line.strip():
            break
        assert len(line) - len(line.lstrip()) == fix_text, line  # under the fix's text, not under "fix:"
    skip = next(i for i, line in enumerate(lines) if "• pypi:sphinxcontrib-serializinghtml" in line)
    assert lines[skip + 1].startswith("    ") and lines[skip + 1].strip()  # under the text after the bullet


def test_the_last_lines_say_what_the_exit_status_says() -> None:
    result = _result()
    assert _render(result, 100)[-2:] == ["FAIL", f"  typosquat on {result.findings[0].package} (high) fails by fail-on = high"]
    assert terminal.verdict_line(result).startswith("FAIL: typosquat on @typescript-eslint/eslint-plugin")
    unchecked = ScanResult(graphs=(), findings=(), skips=(), policy=result.policy, indexes={}, ignored=0, started=NOW,
                           duration=0.0, tool_version="0.1.0",
                           verdict=Verdict(True, reasons=("nothing was checked: no manifest found in empty",), checked=False))
    lines = _render(unchecked, 100)
    assert lines[-2:] == ["NOT CHECKED", "  nothing was checked: no manifest found in empty"]
    assert any(line.startswith("Nothing to check: no manifest or lockfile found.") for line in lines)
    assert not any("No findings" in line or line.startswith("PASS") for line in lines)
    assert terminal.verdict_line(unchecked) == "NOT CHECKED: nothing was checked: no manifest found in empty"


@pytest.mark.parametrize("width", [80, 100])
def test_the_diff_and_inspect_reports_wrap_under_their_own_start(width: int) -> None:
    """`chainwarden diff`/`inspect` against an index that is down: the long "not checked" reason wrapped to column 0."""
    from chainwarden.report import diff_report

    skip = Skip("requests==2.32.3", "could not fetch http://127.0.0.1:9/pypi/requests/json: no complete answer within 3 s "
                "(the whole-request deadline); before that: could not connect (the connection was refused)")
    out = io.StringIO()
    diff_report.render_terminal(None, "requests", "2.31.0", "2.32.3", {}, [skip, skip], Console(file=out, width=width, no_color=True))
    lines = out.getvalue().splitlines()
    body = [line for line in lines[1:] if not line.startswith("NOT COMPARED")]
    assert len(body) > 2 and all(line.startswith("  ") for line in body), lines
    assert max(len(line) for line in lines) <= width
