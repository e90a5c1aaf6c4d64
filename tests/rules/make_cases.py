"""Generate the flag/pass cases of the metadata analyzers in tests/rules/<id>/{flag,pass}/<case>/.

    python -m tests.rules.make_cases            # (re)write the cases (run from the repository root)
    python -m tests.rules.make_cases --check    # exit 1 when the committed cases differ from this script

Each case is a small project (a requirements.txt, or a package.json with its
package-lock.json) and, unless it uses the shared test registry on purpose,
its own registry snapshot in `registry/` (and `registry-before/` for a scan
that an earlier scan preceded), written with tests/registry/builder.py. The
"today" of the cases is 2026-11-21, like the shared data's. People, e-mail
addresses and URLs are fixture values under .test/.invalid (and special-use
names where a case is about them).

Output is deterministic (the builder's sorted JSON; project files written
from fixed text), and files are only rewritten when their content changes.
This script owns the case folders it lists: files in them that it does not
write are removed. Case folders it does not list are reported, never touched.
Only the rule folders in RULES are managed here.
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.registry import layout
from tests.registry.builder import npm_package, pypi_project

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent / "registry" / "data"

RULES = (
    "dormant",
    "dormant-then-released",
    "single-maintainer",
    "maintainer-domain-unresolvable",
    "no-source-repository",
    "repository-mismatch",
    "owners-changed",
    "yanked-or-deprecated",
    "new-package",
    "not-on-index",
)

Step = Callable[[Path], None]  # writes (part of) a registry snapshot under the root it is given


def t(moment: str) -> datetime:
    """'2023-05-22' (noon UTC) or '2023-05-22T15:12:44' (UTC)."""
    return datetime.fromisoformat(moment if "T" in moment else moment + "T12:00:00")


# ------------------------------------------------------------------ registry steps


def pypi(name: str, releases: Mapping[str, str], **kw: Any) -> Step:
    def step(root: Path) -> None:
        pypi_project(root, name, {v: t(d) for v, d in releases.items()}, **kw)

    return step


def npm(name: str, versions: Mapping[str, str], **kw: Any) -> Step:
    def step(root: Path) -> None:
        npm_package(root, name, {v: t(d) for v, d in versions.items()}, **kw)

    return step


def edit(relative: str, change: Callable[[dict[str, Any]], None]) -> Step:
    """Post-process a document the builder wrote, for what the builder cannot express."""

    def step(root: Path) -> None:
        path = root / relative
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        _write(path, layout.dumps(document))

    return step


def organization(name: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["ownership"]["organization"] = name

    return change


def drop_npm_repository(doc: dict[str, Any]) -> None:
    doc.pop("repository", None)
    for manifest in doc["versions"].values():
        manifest.pop("repository", None)


def npm_directory(folder: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for holder in (doc, *doc["versions"].values()):
            holder["repository"]["directory"] = folder

    return change


def project_status(status: str, reason: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["project-status"] = {"status": status, "reason": reason}

    return change


# ------------------------------------------------------------------ project files


def requirements(*lines: str) -> dict[str, str]:
    return {"requirements.txt": "\n".join(lines) + "\n"}


def npm_project(locked: Mapping[str, tuple[str, str]], *, lock: bool = True) -> dict[str, str]:
    """package.json declaring name -> range, and (by default) a package-lock.json v3 pinning name -> version."""
    ranges = {name: rng for name, (rng, _) in locked.items()}
    manifest = {"name": "demo", "version": "1.0.0", "private": True, "dependencies": ranges}
    files = {"package.json": json.dumps(manifest, indent=2) + "\n"}
    if lock:
        packages: dict[str, Any] = {"": {"name": "demo", "version": "1.0.0", "dependencies": ranges}}
        for name, (_, version) in locked.items():
            seed = f"npm/{name}/{version}"  # the builder's digest for this version
            packages[f"node_modules/{name}"] = {
                "version": version,
                "resolved": f"https://index.invalid/npm/{name}/-/{name.split('/')[-1]}-{version}.tgz",
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(seed.encode()).digest()).decode(),
                "license": "MIT",
            }
        document = {"name": "demo", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}
        files["package-lock.json"] = json.dumps(document, indent=2) + "\n"
    return files


# ------------------------------------------------------------------ cases


@dataclass
class Case:
    rule: str
    kind: str  # "flag" or "pass"
    name: str
    files: dict[str, str]
    registry: Sequence[Step] | None = None  # None: the shared tests/registry/data
    before: Sequence[Step] | None = None  # registry-before/: what an earlier scan saw
    notes: str = ""
    severity: str | None = None  # a flag case: the severity its scenario deserves (written to expected-severity)

    @property
    def folder(self) -> Path:
        return Path(self.rule) / self.kind / self.name


CASES: list[Case] = []


def case(rule: str, kind: str, name: str, files: dict[str, str], registry: Sequence[Step] | None = None,
         *, before: Sequence[Step] | None = None, notes: str = "", severity: str | None = None) -> None:
    assert rule in RULES and kind in ("flag", "pass"), (rule, kind)
    assert all(c.folder != Path(rule) / kind / name for c in CASES), name
    assert severity is None or kind == "flag", name
    CASES.append(Case(rule, kind, name, files, registry, before, notes, severity))


# Shared package histories ("today" is 2026-11-21).

STEADY = {"1.0.0": "2023-02-01", "1.1.0": "2023-07-10", "1.2.0": "2024-01-15", "1.3.0": "2024-06-03",
          "1.4.0": "2024-11-18", "1.5.0": "2025-04-07", "1.6.0": "2025-09-22", "1.7.0": "2026-02-09",
          "1.7.1": "2026-07-06", "1.8.0": "2026-10-19"}
TEAM = ["steady-maint", "lin-reviewer", "oskar-release"]
TEAM_NPM = [("steady-maint", "steady@healthy-domain.test"), ("lin-reviewer", "lin@healthy-domain.test")]
NPM_STEADY = {"2.0.0": "2024-03-04", "2.1.0": "2024-09-16", "2.2.0": "2025-03-10", "2.3.0": "2025-08-25",
              "2.3.1": "2026-01-19", "2.4.0": "2026-06-08", "2.4.1": "2026-10-05"}


def steady_retry(**kw: Any) -> Step:
    """The healthy control: three maintainers, a release every few months, a domain that resolves."""
    args: dict[str, Any] = {"maintainers": TEAM, "author": "Steady developers",
                            "author_email": "maintainers@healthy-domain.test",
                            "repository": "https://example.test/steady/steady-retry"}
    args.update(kw)
    return pypi("steady-retry", STEADY, **args)


def tiny_clamp(**kw: Any) -> Step:
    """npm healthy control: two maintainers, regular releases."""
    args: dict[str, Any] = {"maintainers": TEAM_NPM, "repository": "git+https://example.test/steady/tiny-clamp.git"}
    args.update(kw)
    return npm("tiny-clamp", NPM_STEADY, **args)


def _dormant() -> None:
    r = "dormant"
    tablefmt = pypi("tablefmt-lite", {"1.0.0": "2018-03-10", "1.1.0": "2019-06-02", "2.0.0": "2021-09-14",
                                      "2.0.1": "2022-05-30"},
                    maintainers=["ines-quiet", "tomas-quiet"], author_email="ines@example.test")
    case(r, "flag", "no-release-in-four-years", requirements("tablefmt-lite==2.0.1"), [tablefmt], severity="info",
         notes="exposure, not evidence: informational (docs/decisions/0020-weak-signals-combine.md)")
    case(r, "flag", "transitive-dormant-dependency", requirements(
        "report-maker==1.4.0",
        "    # via -r requirements.in",
        "tablefmt-lite==2.0.1",
        "    # via report-maker",
    ), [tablefmt, pypi("report-maker", {"1.2.0": "2025-02-03", "1.3.0": "2025-09-15", "1.4.0": "2026-05-04"},
                       maintainers=["rm-dev", "rm-ops"], requires_dist={"1.2.0": ["tablefmt-lite>=2.0"]})], severity="info")
    case(r, "flag", "npm-abandoned-package", npm_project({"str-left-trim": ("^1.1.0", "1.1.1")}),
         [npm("str-left-trim", {"1.0.0": "2017-04-11", "1.1.0": "2019-08-20", "1.1.1": "2020-02-11"},
              maintainers=[("trim-author", "trim@example.test")])], severity="info")
    case(r, "pass", "regular-releases", requirements("steady-retry==1.8.0"), [steady_retry()])
    case(r, "pass", "old-pin-of-an-active-project", requirements("steady-retry==1.0.0"), [steady_retry()],
         notes="the pinned version is old, but the project still releases")
    case(r, "pass", "last-release-under-two-years", requirements("calm-config==3.2.0"),
         [pypi("calm-config", {"3.0.0": "2022-04-04", "3.1.0": "2023-08-21", "3.2.0": "2025-01-10"},
               maintainers=["calm-dev", "calm-ops"])])
    case(r, "pass", "npm-maintained-package", npm_project({"tiny-clamp": ("^2.4.0", "2.4.1")}), [tiny_clamp()])


def _dormant_then_released() -> None:
    r = "dormant-then-released"
    # The seed scenario, straight from the shared data: report-kit pulls in py-formatter-util 1.2.2,
    # released on 2026-11-14 after four years of silence by a lone owner whose e-mail domain lapsed.
    case(r, "flag", "seed-hijacked-patch-release", requirements(
        "report-kit==3.1.1",
        "    # via -r requirements.in",
        "py-formatter-util==1.2.2",
        "    # via report-kit",
    ), severity="critical")
    sniffer = {"1.0.0": "2019-04-01", "1.1.0": "2020-01-15", "1.1.1": "2021-03-02", "1.1.2": "2026-10-30"}
    sniffer_step = pypi("csv-sniffer-plus", sniffer, maintainers=["sniff-dev"], author_email="sniff@healthy-domain.test")
    case(r, "flag", "pinned-old-next-release-suspicious", requirements("csv-sniffer-plus==1.1.1"), [sniffer_step],
         notes="1.1.1 is fine; 1.1.2, which the next update takes, came after five and a half years", severity="medium")
    case(r, "flag", "unpinned-takes-revived-release", requirements("csv-sniffer-plus>=1.1"), [sniffer_step], severity="high")
    case(r, "flag", "npm-revived-patch-release", npm_project({"ansi-pad-utils": ("^3.0.0", "3.0.2")}),
         [npm("ansi-pad-utils", {"3.0.0": "2019-02-12", "3.0.1": "2020-07-01", "3.0.2": "2026-11-02"},
              maintainers=[("pad-author", "pad@example.test")])], severity="high")
    case(r, "flag", "old-revival-is-informational", requirements("table-tidy==2.1.0"),
         [pypi("table-tidy", {"1.0.0": "2019-05-06", "2.0.0": "2020-02-10", "2.1.0": "2025-03-03"},
               maintainers=["tidy-dev"], author_email="tidy@healthy-domain.test")], severity="info",
         notes="2.1.0 came five years after 2.0.0, but twenty months ago: months of use have looked at it")
    case(r, "flag", "newer-major-after-a-gap-is-informational", requirements("table-tidy==2.0.0"),
         [pypi("table-tidy", {"1.0.0": "2019-05-06", "2.0.0": "2020-02-10", "3.0.0": "2026-11-09"},
               maintainers=["tidy-dev"], author_email="tidy@healthy-domain.test")], severity="info",
         notes="3.0.0 is recent and came after six years, but an update within the declared range does not take a new major")
    case(r, "pass", "steady-release-history", requirements("steady-retry==1.8.0"), [steady_retry()])
    case(r, "pass", "unpinned-regular-releases", requirements("steady-retry>=1.5"), [steady_retry()])
    case(r, "pass", "major-bump-old-revival", requirements("grid-render==2.4.0"),
         [pypi("grid-render", {"1.0.0": "2017-05-08", "1.1.0": "2018-02-19", "2.0.0": "2021-06-14",
                               "2.1.0": "2022-03-07", "2.2.0": "2023-01-23", "2.3.0": "2024-02-12",
                               "2.4.0": "2025-01-27", "2.4.1": "2025-10-13"},
               maintainers=["grid-dev", "grid-ops"])],
         notes="the long gap (1.1.0 -> 2.0.0) is history: the installed and newer versions follow regularly")
    case(r, "pass", "gap-under-eighteen-months", requirements("slow-cadence==1.1.0"),
         [pypi("slow-cadence", {"0.9.0": "2024-11-04", "1.0.0": "2025-06-02", "1.1.0": "2026-11-02"},
               maintainers=["slow-dev", "slow-ops"])],
         notes="17 months (518 days) between 1.0.0 and 1.1.0: under the 18-month gap")
    case(r, "pass", "revived-pre-release-not-taken", requirements("csv-sniffer-plus==1.1.1"),
         [pypi("csv-sniffer-plus", {**{v: d for v, d in sniffer.items() if v != "1.1.2"}, "2.0.0b1": "2026-10-30"},
               maintainers=["sniff-dev"], author_email="sniff@healthy-domain.test")],
         notes="the only release after the gap is a pre-release, which an update does not take")
    case(r, "pass", "npm-regular-releases", npm_project({"tiny-clamp": ("^2.3.0", "2.3.1")}), [tiny_clamp()])


def _single_maintainer() -> None:
    r = "single-maintainer"
    case(r, "flag", "pypi-one-owner", requirements("solo-toolkit==0.9.3"),
         [pypi("solo-toolkit", {"0.9.0": "2025-03-03", "0.9.3": "2026-04-20"}, maintainers=["solo-dev"])], severity="info")
    case(r, "flag", "npm-one-maintainer", npm_project({"solo-fmt": ("^1.2.0", "1.2.0")}),
         [npm("solo-fmt", {"1.1.0": "2025-05-05", "1.2.0": "2026-02-16"},
              maintainers=[("solo-npm", "solo@example.test")])], severity="info")
    case(r, "pass", "several-maintainers", requirements("steady-retry==1.8.0"), [steady_retry()])
    case(r, "pass", "organization-owned", requirements("acme-widgets==4.2.0"),
         [pypi("acme-widgets", {"4.1.0": "2025-12-01", "4.2.0": "2026-09-14"}, maintainers=[],
               author="Acme Tools", author_email="oss@example.test",
               repository="https://example.test/acme-tools/acme-widgets"),
          edit("pypi/acme-widgets.json", organization("acme-tools"))],
         notes="PyPI lists no roles for an organization's project: the organization stands behind it")
    case(r, "pass", "organization-with-one-member", requirements("acme-gadgets==1.0.2"),
         [pypi("acme-gadgets", {"1.0.0": "2025-10-06", "1.0.2": "2026-08-31"}, maintainers=["acme-release-bot"],
               repository="https://example.test/acme-tools/acme-gadgets"),
          edit("pypi/acme-gadgets.json", organization("acme-tools"))])
    case(r, "pass", "npm-two-maintainers", npm_project({"tiny-clamp": ("^2.4.0", "2.4.1")}), [tiny_clamp()])


def _maintainer_domain() -> None:
    r = "maintainer-domain-unresolvable"
    case(r, "flag", "author-email-on-lapsed-domain", requirements("quiet-numbers==2.2.0"),
         [pypi("quiet-numbers", {"2.1.0": "2025-01-06", "2.2.0": "2025-11-10"}, maintainers=["quiet-owner"],
               author="Quiet Owner", author_email="dev@lapsed-domain.test")])
    case(r, "flag", "maintainer-email-on-subdomain-of-lapsed-domain", requirements("mail-merge-lite==0.4.1"),
         [pypi("mail-merge-lite", {"0.4.0": "2025-01-13", "0.4.1": "2026-03-02"}, maintainers=["mm-a", "mm-b"],
               author_email="mm-a@example.test", maintainer="MM B",
               maintainer_email="releases@mail.lapsed-domain.test")],
         notes="the registrable domain of mail.lapsed-domain.test is lapsed-domain.test, which does not exist")
    case(r, "flag", "npm-maintainer-on-lapsed-domain", npm_project({"color-bits": ("^1.4.0", "1.4.2")}),
         [npm("color-bits", {"1.4.0": "2025-04-14", "1.4.2": "2026-06-22"},
              maintainers=[("bits-ana", "ana@example.test"), ("bits-old", "old@lapsed-domain.test")])])
    case(r, "pass", "healthy-domain", requirements("steady-retry==1.8.0"), [steady_retry()])
    case(r, "pass", "subdomain-of-registered-domain", requirements("lists-helper==1.3.0"),
         [pypi("lists-helper", {"1.2.0": "2025-02-10", "1.3.0": "2026-05-18"}, maintainers=["lh-dev", "lh-ops"],
               author_email="maintainers@lists.example.test")])
    case(r, "pass", "special-use-domains", requirements("build-stamp==0.8.0"),
         [pypi("build-stamp", {"0.7.0": "2025-06-09", "0.8.0": "2026-07-27"}, maintainers=["stamp-dev"],
               author_email="root@localhost, noreply@packages.invalid", maintainer="CI",
               maintainer_email="ci@build.example")],
         notes="localhost, .invalid and .example cannot be registered: their NXDOMAIN means nothing")
    case(r, "pass", "npm-special-use-domain", npm_project({"local-bot-kit": ("^0.3.0", "0.3.0")}),
         [npm("local-bot-kit", {"0.2.0": "2025-09-01", "0.3.0": "2026-09-07"},
              maintainers=[("bot-owner", "bot@ci.localhost"), ("bot-ops", "ops@corp.internal")])])


def _no_source_repository() -> None:
    r = "no-source-repository"
    case(r, "flag", "no-project-urls", requirements("bare-meta==1.0.3"),
         [pypi("bare-meta", {"1.0.0": "2025-03-17", "1.0.3": "2026-06-29"}, maintainers=["bare-dev"],
               project_urls={})], severity="info")
    case(r, "flag", "homepage-is-not-a-code-host", requirements("docs-only-pkg==2.1.0"),
         [pypi("docs-only-pkg", {"2.0.0": "2025-05-12", "2.1.0": "2026-04-06"}, maintainers=["docs-dev"],
               home_page="https://docs-only.example.test/",
               project_urls={"Homepage": "https://docs-only.example.test/",
                             "Documentation": "https://docs-only.example.test/guide/"})],
         notes="a homepage counts only on a code host; nothing here is labelled as the source", severity="info")
    case(r, "flag", "npm-no-repository-field", npm_project({"nameless-src": ("^0.5.0", "0.5.1")}),
         [npm("nameless-src", {"0.5.0": "2025-07-07", "0.5.1": "2026-03-23"}),
          edit("npm/nameless-src.json", drop_npm_repository)], severity="info")
    case(r, "pass", "source-project-url", requirements("with-source==3.0.1"),
         [pypi("with-source", {"3.0.0": "2025-08-04", "3.0.1": "2026-05-11"}, maintainers=["src-dev"],
               project_urls={"Documentation": "https://with-source.example.test/",
                             "Source": "https://example.test/src-dev/with-source"})])
    case(r, "pass", "homepage-on-code-host", requirements("git-homed==1.6.0"),
         [pypi("git-homed", {"1.5.0": "2025-02-24", "1.6.0": "2026-01-12"}, maintainers=["gh-dev"],
               home_page="https://git.example.test/gh-dev/git-homed", project_urls={})])
    # Fails with the analyzers of 2026-11-21 (documents._repository compares lower-cased labels only):
    # PEP 753 normalises a label by dropping punctuation and whitespace, so "Source-Code" is the
    # well-known "sourcecode" label, and a self-hosted forge is not a host the fallback knows.
    case(r, "pass", "pep753-normalised-source-label", requirements("forge-hosted==1.0.0"),
         [pypi("forge-hosted", {"0.9.0": "2025-06-02", "1.0.0": "2026-04-13"}, maintainers=["forge-dev", "forge-ops"],
               project_urls={"Homepage": "https://forge-hosted.example.test/",
                             "Source-Code": "https://code.example.test/forge-dev/forge-hosted"})])
    case(r, "pass", "npm-repository-field", npm_project({"tiny-clamp": ("^2.4.0", "2.4.1")}), [tiny_clamp()])


def _repository_mismatch() -> None:
    r = "repository-mismatch"
    case(r, "flag", "starjacked-popular-repository", requirements("fastjson-tools==0.3.0"),
         [pypi("fastjson-tools", {"0.2.0": "2026-05-04", "0.3.0": "2026-09-28"}, maintainers=["fj-dev"],
               repository="https://example.test/pallets/werkzeug")],
         notes="the metadata borrows another project's repository (and its stars)", severity="low")
    case(r, "flag", "npm-borrowed-repository", npm_project({"colorful-logger-x": ("^1.0.0", "1.0.4")}),
         [npm("colorful-logger-x", {"1.0.0": "2026-02-02", "1.0.4": "2026-08-10"},
              maintainers=[("clx-dev", "clx@example.test")],
              repository="git+https://example.test/expressjs/express.git")], severity="low")
    cssnano = "git+https://example.test/cssnano/cssnano.git"
    family = {"cssnano": ("^7.0.0", "7.0.6"), "postcss-colormin": ("^7.0.0", "7.0.2"),
              "postcss-convert-values": ("^7.0.0", "7.0.4")}
    family_steps = [npm(n, {v: "2026-03-02"}, maintainers=[("cssnano-ci", "ci@example.test")], repository=cssnano)
                    for n, (_, v) in family.items()]
    case(r, "flag", "npm-borrows-a-monorepo-it-is-not-part-of",
         npm_project({**family, "fastjson-tools": ("^0.3.0", "0.3.0")}),
         [*family_steps, npm("fastjson-tools", {"0.3.0": "2026-09-28"}, maintainers=[("fj-dev", "fj@example.test")],
                             repository=cssnano)], severity="low",
         notes="three packages of the cssnano monorepo name it; fastjson-tools names it too, but is of no family of theirs")
    case(r, "pass", "npm-monorepo-family-named-after-another-package", npm_project(family), family_steps,
         notes="postcss-colormin names cssnano/cssnano, as cssnano and its other plugins do (26 findings on real projects)")
    watchman = "git+https://example.test/facebook/watchman.git"
    team = [("wez-ci", "wez@example.test"), ("watchman-bot", "bot@example.test")]
    case(r, "pass", "npm-monorepo-package-of-the-repositorys-own-team",
         npm_project({"fb-watchman": ("^2.0.0", "2.0.2"), "bser": ("^2.1.0", "2.1.1")}),
         [npm("fb-watchman", {"2.0.1": "2024-10-07", "2.0.2": "2025-09-15"}, maintainers=team, repository=watchman),
          npm("bser", {"2.1.0": "2024-10-07", "2.1.1": "2025-09-15"}, maintainers=team[:1], repository=watchman)],
         notes="bser names facebook/watchman, as fb-watchman does, and shares a maintainer with it (jest, prettier)")
    case(r, "pass", "npm-scope-words-in-the-repository",
         npm_project({"@oxc-parser/binding-linux-x64-gnu": ("^0.99.0", "0.99.0")}),
         [npm("@oxc-parser/binding-linux-x64-gnu", {"0.98.0": "2026-08-03", "0.99.0": "2026-10-26"},
              maintainers=[("oxc-ci", "ci@example.test")], repository="git+https://example.test/oxc-project/oxc.git"),
          edit("npm/@oxc-parser/binding-linux-x64-gnu.json", npm_directory("napi/parser"))])
    case(r, "pass", "npm-initials-of-the-name", npm_project({"class-variance-authority": ("^0.7.0", "0.7.1")}),
         [npm("class-variance-authority", {"0.7.0": "2025-06-02", "0.7.1": "2026-02-16"},
              maintainers=[("joe-bell", "joe@example.test")], repository="git+https://example.test/joe-bell/cva.git")])
    case(r, "pass", "npm-short-name-in-a-prefixed-repository", npm_project({"ip": ("^2.0.0", "2.0.1")}),
         [npm("ip", {"2.0.0": "2025-02-10", "2.0.1": "2026-01-12"},
              maintainers=[("indutny", "fedor@example.test")], repository="git+https://example.test/indutny/node-ip.git")])
    case(r, "pass", "abbreviation-of-the-repository-name", requirements("mcp-types==1.2.0"),
         [pypi("mcp-types", {"1.1.0": "2026-05-04", "1.2.0": "2026-10-19"}, maintainers=["mcp-ci"],
               repository="https://example.test/modelcontextprotocol/python-sdk")])
    case(r, "pass", "org-and-project-named-after-package", requirements("Werkzeug==3.1.3"),
         [pypi("Werkzeug", {"3.0.6": "2024-10-25", "3.1.3": "2024-11-08"}, maintainers=["pallets", "davidism"],
               repository="https://example.test/pallets/werkzeug")])
    case(r, "pass", "python-prefix-stripped", requirements("python-slugger==2.0.0"),
         [pypi("python-slugger", {"1.9.0": "2025-03-31", "2.0.0": "2026-02-23"}, maintainers=["slug-dev"],
               repository="https://example.test/slug-works/slugger")])
    case(r, "pass", "monorepo-tree-path", requirements("acme-auth-client==5.2.0"),
         [pypi("acme-auth-client", {"5.1.0": "2025-12-08", "5.2.0": "2026-08-17"}, maintainers=["acme-ci"],
               repository="https://example.test/acme-corp/platform/tree/main/clients/auth")])
    case(r, "pass", "npm-scoped-monorepo-directory", npm_project({"@acme/ui-button": ("^3.1.0", "3.1.0")}),
         [npm("@acme/ui-button", {"3.0.0": "2025-10-20", "3.1.0": "2026-07-13"},
              maintainers=[("acme-ci", "ci@example.test")],
              repository="git+https://example.test/acme/design-system.git"),
          edit("npm/@acme/ui-button.json", npm_directory("packages/ui-button"))])


def _owners_changed() -> None:
    r = "owners-changed"
    tabular = {"2.2.0": "2024-09-09", "2.3.0": "2025-10-27"}
    case(r, "flag", "owner-replaced", requirements("tabular-kit==2.3.0"),
         [pypi("tabular-kit", tabular, maintainers=["quick-buyer"])],
         before=[pypi("tabular-kit", tabular, maintainers=["tabby-orig"])],
         notes="the earlier scan saw tabby-orig; now only quick-buyer can publish")
    case(r, "flag", "owner-added", requirements("tabular-kit==2.3.0"),
         [pypi("tabular-kit", tabular, maintainers=["tabby-orig", "tabby-two", "cyrus-new"])],
         before=[pypi("tabular-kit", tabular, maintainers=["tabby-orig", "tabby-two"])])
    fmt = {"1.0.0": "2023-03-06", "1.1.0": "2024-01-22", "1.2.0": "2025-02-17", "1.3.0": "2026-03-30",
           "1.3.1": "2026-11-09"}
    orig, newcomer = ("fmt-orig", "orig@example.test"), ("fresh-hand", "fresh@example.test")
    fmt_bytes = npm("fmt-bytes", fmt, maintainers=[orig, newcomer], publishers={"1.3.1": newcomer})
    case(r, "flag", "npm-newcomer-publisher", npm_project({"fmt-bytes": ("^1.3.0", "1.3.1")}), [fmt_bytes],
         notes="1.3.1 was published by fresh-hand, who published none of the earlier versions")
    case(r, "flag", "npm-owner-replaced", npm_project({"fmt-bytes": ("^1.3.0", "1.3.0")}),
         [npm("fmt-bytes", fmt, maintainers=[newcomer], publishers={v: orig for v in fmt})],
         before=[npm("fmt-bytes", fmt, maintainers=[orig])])
    case(r, "pass", "owners-unchanged", requirements("tabular-kit==2.3.0"),
         [pypi("tabular-kit", tabular, maintainers=["tabby-orig", "tabby-two"])],
         before=[pypi("tabular-kit", tabular, maintainers=["tabby-orig", "tabby-two"])])
    case(r, "pass", "npm-owners-unchanged-new-release", npm_project({"fmt-bytes": ("^1.3.0", "1.3.1")}),
         [npm("fmt-bytes", fmt, maintainers=[orig])],
         before=[npm("fmt-bytes", {v: d for v, d in fmt.items() if v != "1.3.1"}, maintainers=[orig])],
         notes="a new release between the scans, by the same owner")
    case(r, "pass", "npm-publishers-rotate", npm_project({"tiny-clamp": ("^2.4.0", "2.4.1")}),
         [tiny_clamp(publishers={v: TEAM_NPM[i % 2] for i, v in enumerate(NPM_STEADY)})],
         notes="two maintainers take turns publishing: each has published earlier versions")
    case(r, "pass", "npm-pinned-before-newcomer-release", npm_project({"fmt-bytes": ("^1.3.0", "1.3.0")}),
         [fmt_bytes], notes="the installed 1.3.0 came from the usual publisher; only the newer 1.3.1 did not")


def _yanked_or_deprecated() -> None:
    r = "yanked-or-deprecated"
    dates = {"1.3.0": "2025-01-20", "1.4.0": "2025-09-08", "1.4.1": "2025-09-10"}
    parse_dates = pypi("parse-dates", dates, maintainers=["pd-dev", "pd-ops"],
                       yanked={"1.4.0": "Broken timezone handling, use 1.4.1"})
    case(r, "flag", "pinned-yanked-version", requirements("parse-dates==1.4.0"), [parse_dates])
    case(r, "flag", "pinned-yanked-without-reason", requirements("parse-dates==1.4.0"),
         [pypi("parse-dates", dates, maintainers=["pd-dev", "pd-ops"], yanked={"1.4.0": ""})])
    case(r, "flag", "inactive-classifier", requirements("retired-helpers==3.3.0"),
         [pypi("retired-helpers", {"3.2.0": "2024-06-17", "3.3.0": "2025-06-30"}, maintainers=["rh-dev", "rh-ops"],
               classifiers=["Development Status :: 7 - Inactive", "Programming Language :: Python :: 3"])])
    case(r, "flag", "project-status-archived", requirements("frozen-lib==0.9.0"),
         [pypi("frozen-lib", {"0.8.0": "2024-02-05", "0.9.0": "2025-04-21"}, maintainers=["fz-dev", "fz-ops"]),
          edit("pypi/frozen-lib.json", project_status("archived", "no longer maintained, use steady-retry"))],
         notes="PEP 792 project status")
    case(r, "flag", "npm-deprecated-version", npm_project({"query-stringify-old": ("^2.1.0", "2.1.0")}),
         [npm("query-stringify-old", {"2.0.0": "2022-05-09", "2.1.0": "2023-02-13"},
              maintainers=[("qs-dev", "qs@example.test"), ("qs-ops", "qs-ops@example.test")],
              deprecated={"2.0.0": "use URLSearchParams", "2.1.0": "use URLSearchParams"})])
    case(r, "pass", "yanked-version-exists-pinned-is-not", requirements("parse-dates==1.4.1"), [parse_dates])
    case(r, "pass", "unpinned-skips-yanked-release", requirements("parse-dates>=1.3"),
         [pypi("parse-dates", {**dates, "1.5.0": "2026-10-12"}, maintainers=["pd-dev", "pd-ops"],
               yanked={"1.4.0": "Broken timezone handling, use 1.4.1", "1.5.0": "Wrong wheel uploaded"})],
         notes="the newest release is yanked: an unpinned install skips it and takes 1.4.1")
    case(r, "pass", "stable-classifier", requirements("steady-retry==1.8.0"),
         [steady_retry(classifiers=["Development Status :: 5 - Production/Stable",
                                    "Programming Language :: Python :: 3"])])
    case(r, "pass", "npm-older-version-deprecated", npm_project({"query-stringify": ("^3.0.0", "3.0.1")}),
         [npm("query-stringify", {"2.1.0": "2023-02-13", "3.0.0": "2025-11-03", "3.0.1": "2026-06-15"},
              maintainers=[("qs-dev", "qs@example.test"), ("qs-ops", "qs-ops@example.test")],
              deprecated={"2.1.0": "2.x is no longer supported, upgrade to 3.x"})])


def _new_package() -> None:
    r = "new-package"
    case(r, "flag", "first-release-ten-days-ago", requirements("shiny-new-cli==0.2.0"),
         [pypi("shiny-new-cli", {"0.1.0": "2026-11-11T00:00:00", "0.2.0": "2026-11-17"}, maintainers=["shiny-dev"])],
         severity="medium")
    case(r, "flag", "npm-first-release-ten-days-ago", npm_project({"fresh-utils-kit": ("^1.0.0", "1.0.1")}),
         [npm("fresh-utils-kit", {"1.0.0": "2026-11-11T00:00:00", "1.0.1": "2026-11-13"},
              maintainers=[("fresh-dev", "fresh@example.test")])], severity="medium")
    case(r, "flag", "only-one-release", requirements("lone-release==1.0.0"),
         [pypi("lone-release", {"1.0.0": "2022-08-01"}, maintainers=["lone-dev", "lone-ops"])],
         notes="a single release four years ago: a small finished package, informational", severity="info")
    case(r, "flag", "one-release-this-year", requirements("lone-release==1.0.0"),
         [pypi("lone-release", {"1.0.0": "2026-05-04"}, maintainers=["lone-dev", "lone-ops"])],
         notes="one release, six months ago: no track record yet", severity="low")
    case(r, "pass", "old-package", requirements("steady-retry==1.8.0"), [steady_retry()])
    case(r, "pass", "new-release-of-old-package", requirements("veteran-lib==6.0.0"),
         [pypi("veteran-lib", {"4.0.0": "2019-03-04", "5.0.0": "2022-10-10", "5.5.0": "2025-06-16",
                               "6.0.0": "2026-11-18"}, maintainers=["vet-dev", "vet-ops"])],
         notes="released three days ago, but the project's first release was in 2019")
    case(r, "pass", "first-release-six-weeks-ago", requirements("six-weeks-old==0.3.0"),
         [pypi("six-weeks-old", {"0.1.0": "2026-10-09", "0.2.0": "2026-10-23", "0.3.0": "2026-11-06"},
               maintainers=["sw-dev"])])
    case(r, "pass", "npm-established-package", npm_project({"tiny-clamp": ("^2.4.0", "2.4.1")}), [tiny_clamp()])


def _not_on_index() -> None:
    r = "not-on-index"
    case(r, "flag", "unknown-name", requirements("steady-retry==1.8.0", "acme-internal-billing==2.3.0"),
         [steady_retry()], notes="an internal name nobody claimed on the index: dependency confusion")
    case(r, "flag", "pinned-version-not-on-index", requirements("steady-retry==1.9.0"), [steady_retry()])
    case(r, "flag", "npm-unknown-scoped-package",
         npm_project({"tiny-clamp": ("^2.4.0", "2.4.1"), "@acme-internal/config-loader": ("^1.2.0", "1.2.0")}),
         [tiny_clamp()])
    case(r, "flag", "npm-locked-version-not-on-index", npm_project({"tiny-clamp": ("^2.4.0", "2.9.9")}),
         [tiny_clamp()])
    # marimo's pnpm lock lists the platform binaries of @github/copilot-language-server, which the index did not
    # serve: high ("anyone can register the name") although only the scope's owner can publish under @github.
    case(r, "flag", "npm-platform-binary-under-a-claimed-scope",
         npm_project({"@tidyfmt/lsp": ("^1.4.0", "1.4.0"), "@tidyfmt/lsp-darwin-arm64": ("1.4.0", "1.4.0")}),
         [npm("@tidyfmt/lsp", {"1.3.0": "2026-03-02", "1.4.0": "2026-09-14"}, maintainers=TEAM_NPM,
              repository="git+https://example.test/tidyfmt/lsp.git")],
         severity="low", notes="the scope has a package on the index: nobody but its owner can claim the name")
    # marimo depends on its own docs project (a [tool.uv.sources] path source): high although uv takes it from the tree.
    case(r, "flag", "own-project-name-not-on-index",
         {"pyproject.toml": '[project]\nname = "tidy-app"\nversion = "1.0.0"\ndependencies = ["steady-retry==1.8.0"]\n\n'
                            '[dependency-groups]\ndocs = ["tidy_docs"]\n\n'
                            '[tool.uv.sources]\ntidy_docs = { path = "./docs", editable = true }\n',
          "docs/pyproject.toml": '[project]\nname = "tidy_docs"\nversion = "0.1.0"\ndependencies = []\n'},
         [steady_retry()], severity="low",
         notes="the name is one of the scanned projects: an installer that ignores the path source would ask the index")
    case(r, "pass", "known-name-and-version", requirements("steady-retry==1.8.0"), [steady_retry()])
    # Fails with the analyzers of 2026-11-21 (RegistryFacts.version_exists compares strings): PEP 440
    # pads release segments with zeros, so "==1.8" matches 1.8.0, which is what pip installs.
    case(r, "pass", "pinned-version-zero-padded", requirements("steady-retry==1.8"), [steady_retry()],
         notes="==1.8 installs 1.8.0 (PEP 440 zero padding): the version is on the index")
    case(r, "pass", "unpinned-known-name", requirements("steady-retry>=1.5"), [steady_retry()])
    case(r, "pass", "npm-known-package", npm_project({"tiny-clamp": ("^2.4.0", "2.4.1")}), [tiny_clamp()])
    case(r, "pass", "direct-url-requirement",
         requirements("steady-retry==1.8.0",
                      "acme-internal-billing @ https://files.example.test/acme_internal_billing-2.3.0.tar.gz"),
         [steady_retry()], notes="not installed from the index: the index's answer does not apply")
    case(r, "pass", "unknown-name-outside-this-environment",
         requirements("steady-retry==1.8.0",
                      'acme-win-helper==1.0.0 ; sys_platform == "win32" and sys_platform == "cygwin"'),
         [steady_retry()], notes="the marker excludes every environment: nothing is installed")


for _define in (_dormant, _dormant_then_released, _single_maintainer, _maintainer_domain, _no_source_repository,
                _repository_mismatch, _owners_changed, _yanked_or_deprecated, _new_package, _not_on_index):
    _define()


# ------------------------------------------------------------------ writing


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8")


def write_case(c: Case, out: Path) -> None:
    folder = out / c.folder
    for name, text in c.files.items():
        _write(folder / name, text)
    if c.severity:
        _write(folder / "expected-severity", c.severity + "\n")
    for sub, steps in (("registry", c.registry), ("registry-before", c.before)):
        for step in steps or ():
            step(folder / sub)


def build(out: Path) -> None:
    for c in CASES:
        write_case(c, out)


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def _managed(root: Path) -> set[str]:
    return {f for f in _files(root) if f.split("/", 1)[0] in RULES} if root.is_dir() else set()


def differences(expected: Path, actual: Path) -> list[str]:
    want, have = _managed(expected), _managed(actual)
    changed = [f for f in sorted(want & have) if not filecmp.cmp(expected / f, actual / f, shallow=False)]
    return sorted(want ^ have) + changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.rules.make_cases", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=HERE, help=f"output directory (default {HERE})")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        expected = _managed(Path(tmp))
        if args.check:
            stale = differences(Path(tmp), args.out)
            for f in stale:
                print(f"out of date: {f}", file=sys.stderr)
            return 1 if stale else 0
        for f in sorted(expected):  # copy what changed, so unchanged files keep their mtime
            _write(args.out / f, (Path(tmp) / f).read_text(encoding="utf-8"))
    owned = {c.folder.as_posix() for c in CASES}
    for f in sorted(_managed(args.out) - expected):
        case_folder = "/".join(f.split("/")[:3])
        if case_folder in owned:
            (args.out / f).unlink()  # left over from an earlier version of this script
        else:
            print(f"not generated (remove it if it is obsolete): {args.out / f}", file=sys.stderr)
    for folder in sorted({p for c in CASES for p in (args.out / c.folder).rglob("*") if p.is_dir()}, reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
