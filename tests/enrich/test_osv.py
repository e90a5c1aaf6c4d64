"""OSV matching (enrich.osv), a pure function: every rule of the schema's evaluation algorithm, the
ecosystems' own version orders, strict reading of records, CVSS severity and merging by alias."""

from __future__ import annotations

from typing import Any

import pytest

from chainwarden.enrich.osv import (
    Event,
    OsvError,
    Range,
    Undecidable,
    in_range,
    match,
    merge,
    parse_record,
    severity_of,
)
from chainwarden.model import Ecosystem, Severity

PYPI, NPM = Ecosystem.PYPI, Ecosystem.NPM


def rng(kind: str, *events: tuple[str, str]) -> Range:
    return Range(kind, tuple(Event(k, v) for k, v in events))


def record(affected: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"id": top.pop("id", "GHSA-test-0001"), "modified": "2026-01-01T00:00:00Z", "affected": affected, **top}


def entry(eco: str, name: str, *ranges: Range, versions: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"package": {"ecosystem": eco, "name": name},
                           "ranges": [{"type": r.type, "events": [{e.kind: e.version} for e in r.events]} for r in ranges]}
    if versions is not None:
        out["versions"] = versions
    out.update(extra)
    return out


# ------------------------------------------------------------------ the schema's own examples

SPEC_CASES = [
    # "Unfixed vulnerability example": every version
    (rng("SEMVER", ("introduced", "0")), NPM, {"0.0.1": True, "1.0.0": True, "99.1.0-rc.1": True}),
    # "Fixed vulnerability example": everything before 1.0.2
    (rng("SEMVER", ("introduced", "0"), ("fixed", "1.0.2")), NPM,
     {"0.0.1": True, "1.0.1": True, "1.0.2-rc.1": True, "1.0.2": False, "1.0.3": False}),
    # "Multiple range example": [1.0.0, 1.0.2) or [3.0.0, 3.2.5)
    (rng("SEMVER", ("introduced", "1.0.0"), ("fixed", "1.0.2"), ("introduced", "3.0.0"), ("fixed", "3.2.5")), NPM,
     {"0.9.9": False, "1.0.0": True, "1.0.1": True, "1.0.2": False, "2.5.0": False, "3.0.0": True, "3.2.4": True, "3.2.5": False}),
    # "last_affected vs fixed": last_affected 2.1.214 is affected, the next version is not
    (rng("ECOSYSTEM", ("introduced", "0"), ("last_affected", "2.1.214")), NPM,
     {"2.1.213": True, "2.1.214": True, "2.1.215": False}),
    (rng("ECOSYSTEM", ("introduced", "0"), ("last_affected", "2.1.214")), PYPI,
     {"2.1.214": True, "2.1.214.post1": False, "2.1.215": False}),
    (rng("SEMVER", ("introduced", "0"), ("fixed", "2.1.214")), NPM, {"2.1.213": True, "2.1.214": False}),
]


@pytest.mark.parametrize(("range_", "eco", "expected"), SPEC_CASES, ids=lambda v: v.describe() if isinstance(v, Range) else None)
def test_the_schemas_examples(range_: Range, eco: Ecosystem, expected: dict[str, bool]) -> None:
    assert {v: in_range(range_, eco, v) for v in expected} == expected


# ------------------------------------------------------------------ limit events


def test_limit_bounds_the_range_from_above() -> None:
    r = rng("ECOSYSTEM", ("introduced", "2.26.0"), ("limit", "2.28.0"))
    assert [v for v in ("2.25.1", "2.26.0", "2.27.9", "2.28.0", "2.28.1") if in_range(r, PYPI, v)] == ["2.26.0", "2.27.9"]


def test_a_limit_with_a_star_is_infinity() -> None:
    r = rng("ECOSYSTEM", ("introduced", "1.0.0"), ("limit", "*"))
    assert in_range(r, NPM, "999999.0.0") and not in_range(r, NPM, "0.9.0")


def test_several_limits_each_widen_the_scope() -> None:
    # BeforeLimits: the version must be below at least one limit
    r = rng("ECOSYSTEM", ("introduced", "1.0"), ("limit", "1.5"), ("limit", "2.5"))
    assert {v: in_range(r, PYPI, v) for v in ("0.9", "1.2", "2.0", "2.5", "3.0")} == {
        "0.9": False, "1.2": True, "2.0": True, "2.5": False, "3.0": False}


def test_limit_and_fixed_together() -> None:
    r = rng("ECOSYSTEM", ("introduced", "1.0"), ("fixed", "1.2"), ("introduced", "1.8"), ("limit", "2.0"))
    assert {v: in_range(r, PYPI, v) for v in ("1.1", "1.5", "1.9", "2.1")} == {"1.1": True, "1.5": False, "1.9": True, "2.1": False}


# ------------------------------------------------------------------ ordering


def test_events_are_sorted_before_the_walk() -> None:
    r = rng("ECOSYSTEM", ("fixed", "2.0"), ("introduced", "1.0"))
    assert in_range(r, PYPI, "1.5") and not in_range(r, PYPI, "2.0") and not in_range(r, PYPI, "0.5")


@pytest.mark.parametrize(("version", "affected"), [
    ("0.dev1", True),      # introduced "0" sorts before every version, even 0.dev1 (which PEP 440 puts below "0")
    ("1.9", True),
    ("1.10", True),
    ("2.0rc1", True),      # a pre-release of the fix is before the fix
    ("2.0", False),
    ("2.0.0", False),      # PEP 440: 2.0.0 == 2.0
    ("2.0.post1", False),
    ("1!0.1", False),      # epoch 1 sorts above every epoch-0 version
])
def test_pypi_ranges_use_pep_440_order(version: str, affected: bool) -> None:
    assert in_range(rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.0")), PYPI, version) is affected


def test_pypi_order_is_not_string_order() -> None:
    r = rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.10"))
    assert in_range(r, PYPI, "1.9") and not in_range(r, PYPI, "1.10") and not in_range(r, PYPI, "1.11")


def test_pypi_local_and_post_releases() -> None:
    r = rng("ECOSYSTEM", ("introduced", "2.0"), ("fixed", "2.0.1"))
    assert in_range(r, PYPI, "2.0+ubuntu1") and in_range(r, PYPI, "2.0.post3") and not in_range(r, PYPI, "2.0.1")


@pytest.mark.parametrize(("version", "affected"), [
    ("1.9.0", True),
    ("1.10.0-alpha.1", True),   # semver precedence: a pre-release is before its release
    ("1.10.0-alpha.beta", True),
    ("1.10.0", False),
    ("1.10.0+build.7", False),  # build metadata does not change precedence
    ("v1.9.9", True),           # npm tolerates a leading v, as node-semver does
    ("1.2.0", True),            # not string order: 1.2.0 < 1.10.0
])
def test_npm_ranges_use_semver_precedence(version: str, affected: bool) -> None:
    assert in_range(rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.10.0")), NPM, version) is affected


def test_semver_ranges_on_a_pypi_package_use_semver() -> None:
    r = rng("SEMVER", ("introduced", "1.0.0"), ("fixed", "1.2.0"))
    assert in_range(r, PYPI, "1.1.5") and not in_range(r, PYPI, "1.2.0")
    with pytest.raises(Undecidable):
        in_range(r, PYPI, "1.1")  # not a semantic version: SEMVER cannot order it


def test_git_ranges_are_left_to_the_versions_list() -> None:
    git = rng("GIT", ("introduced", "a" * 40), ("fixed", "b" * 40))
    assert not in_range(git, PYPI, "1.0")
    r = parse_record(record([entry("PyPI", "lib", git, versions=["1.0"])]), "x.json")
    assert match(r, PYPI, "lib", "1.0") is not None and match(r, PYPI, "lib", "1.1") is None


def test_an_unorderable_bound_is_undecidable_never_clean() -> None:
    with pytest.raises(Undecidable, match="not a PEP 440 version"):
        in_range(rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.x-final")), PYPI, "1.0")
    with pytest.raises(Undecidable, match="not a semantic version"):
        in_range(rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.0.0")), NPM, "latest")
    bad = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.x-final")))]), "x.json")
    with pytest.raises(Undecidable, match="GHSA-test-0001|2.x-final"):
        match(bad, PYPI, "lib", "1.0")


def test_a_listed_version_or_another_range_decides_despite_an_unorderable_one() -> None:
    r = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.x-final")),
                                   rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.5")), versions=["9.9"])]), "x.json")
    assert match(r, PYPI, "lib", "1.0") is not None  # the second range says so
    assert match(r, PYPI, "lib", "9.9") is not None  # the versions list says so


# ------------------------------------------------------------------ match()


def test_versions_list_matches_by_the_ecosystems_equality() -> None:
    r = parse_record(record([entry("PyPI", "lib", versions=["1.0"]), entry("npm", "lib", versions=["1.0.0"])]), "x.json")
    assert match(r, PYPI, "lib", "1.0.0") is not None  # PEP 440: 1.0 == 1.0.0
    assert match(r, PYPI, "lib", "1.0.1") is None
    assert match(r, NPM, "lib", "1.0.0") is not None and match(r, NPM, "lib", "1.0") is None


def test_names_are_matched_per_ecosystem_and_pypi_names_normalised() -> None:
    r = parse_record(record([entry("PyPI", "Py_Formatter.Util", rng("ECOSYSTEM", ("introduced", "0")))]), "x.json")
    assert match(r, PYPI, "py-formatter-util", "1.0") is not None
    assert match(r, NPM, "py-formatter-util", "1.0.0") is None  # same name, other ecosystem
    assert match(r, PYPI, "py-formatter", "1.0") is None


def test_withdrawn_records_match_nothing() -> None:
    r = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0")))], withdrawn="2026-02-01T00:00:00Z"), "x.json")
    assert match(r, PYPI, "lib", "1.0") is None


def test_unknown_version_matches_only_what_covers_every_version() -> None:
    every = parse_record(record([entry("npm", "evil", rng("SEMVER", ("introduced", "0")))]), "x.json")
    assert match(every, NPM, "evil", None) is not None
    bounded = parse_record(record([entry("npm", "lib", rng("SEMVER", ("introduced", "0"), ("fixed", "1.0.0")))]), "x.json")
    with pytest.raises(Undecidable, match="not known"):
        match(bounded, NPM, "lib", None)


def test_fixes_listed_are_those_above_the_version_lowest_first() -> None:
    r = parse_record(record([entry("npm", "debug", rng("SEMVER", ("introduced", "0"), ("fixed", "2.6.9"), ("introduced", "3.0.0"),
                                                       ("fixed", "3.2.7"), ("introduced", "4.0.0"), ("fixed", "4.3.5")))]), "x.json")
    m = match(r, NPM, "debug", "3.1.0")
    assert m is not None and m.fixed == ("3.2.7", "4.3.5")
    m = match(r, NPM, "debug", "1.0.0")
    assert m is not None and m.fixed == ("2.6.9", "3.2.7", "4.3.5")
    assert match(r, NPM, "debug", "4.3.5") is None


def test_entry_severity_wins_over_the_records() -> None:
    r = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0")),
                                   severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}])]), "x.json")
    m = match(r, PYPI, "lib", "1.0")
    assert m is not None and severity_of(m.severity)[0] is Severity.CRITICAL


# ------------------------------------------------------------------ reading records

BAD = [
    ("not an object", ["a", "list"], "expected an OSV record"),
    ("no id", {"modified": "2026-01-01T00:00:00Z"}, "id: expected a non-empty string"),
    ("bad modified", {"id": "X-1", "modified": "yesterday"}, "modified: expected an RFC 3339 time"),
    ("no modified", {"id": "X-1"}, "modified: expected an RFC 3339 time"),
    ("aliases not strings", {"id": "X-1", "modified": "2026-01-01T00:00:00Z", "aliases": [1]}, "aliases: expected a list of strings"),
    ("two kinds in one event", record([{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"introduced": "1.0", "fixed": "1.0.2"}]}]}]),
     "affected[0].ranges[0].events[1]: expected exactly one of introduced, fixed, last_affected, limit"),
    ("no introduced", record([{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"fixed": "1.0"}]}]}]), "affected[0].ranges[0].events: expected at least one \"introduced\" event"),
    ("fixed and last_affected", record([{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}, {"last_affected": "0.9"}]}]}]), "not both"),
    ("unknown range type", record([{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [
        {"type": "CALVER", "events": [{"introduced": "0"}]}]}]), "affected[0].ranges[0].type: expected one of SEMVER, ECOSYSTEM, GIT"),
    ("numeric version", record([{"package": {"ecosystem": "PyPI", "name": "a"}, "versions": [1.0]}]),
     "affected[0].versions: expected a list of strings"),
    ("package without a name", record([{"package": {"ecosystem": "PyPI"}, "versions": ["1.0"]}]),
     "affected[0].package.name: expected a non-empty string"),
    ("event version not a string", record([{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [
        {"type": "SEMVER", "events": [{"introduced": 0}]}]}]), "affected[0].ranges[0].events[0].introduced: expected a non-empty string"),
]


@pytest.mark.parametrize(("what", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_malformed_record_says_where_and_what_was_expected(what: str, data: Any, message: str) -> None:
    with pytest.raises(OsvError) as exc:
        parse_record(data, "advisories/x.json")
    assert str(exc.value).startswith("advisories/x.json"), str(exc.value)
    assert message in str(exc.value), str(exc.value)


def test_unknown_fields_are_ignored_as_the_schema_allows() -> None:
    r = parse_record({"id": "X-1", "modified": "2026-01-01T00:00:00Z", "schema_version": "1.9.0", "future_field": {"a": 1},
                      "affected": [{"package": {"ecosystem": "Go", "name": "example.test/x"}, "versions": ["v1.0.0"]}]}, "x.json")
    assert r.id == "X-1" and r.packages() == set()  # a Go package is not ours


# ------------------------------------------------------------------ malware markers


@pytest.mark.parametrize(("top", "entry_extra", "malicious"), [
    ({"id": "MAL-2026-1"}, {}, True),
    ({"aliases": ["MAL-2026-2"]}, {}, True),
    ({"database_specific": {"malicious-packages-origins": [{"source": "ghsa-malware"}]}}, {}, True),
    ({}, {"database_specific": {"cwe_ids": ["CWE-506"]}}, True),
    ({"database_specific": {"cwe_ids": ["CWE-79", "CWE-506"]}}, {}, True),
    ({"database_specific": {"type": "malware"}}, {}, True),
    ({"database_specific": {"cwe_ids": ["CWE-79"], "severity": "HIGH"}}, {}, False),
    ({"summary": "Malicious code in lib"}, {}, False),  # words are not a marker
])
def test_malware_markers(top: dict[str, Any], entry_extra: dict[str, Any], malicious: bool) -> None:
    r = parse_record(record([entry("npm", "lib", rng("SEMVER", ("introduced", "0")), **entry_extra)], **top), "x.json")
    assert r.malicious is malicious


# ------------------------------------------------------------------ severity


def test_cvss_v3_base_severity() -> None:
    assert severity_of((("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),)) == (
        Severity.CRITICAL, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H (base score 9.8)")
    assert severity_of((("CVSS_V3", "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"),))[0] is Severity.MEDIUM
    assert severity_of((("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),))[0] is Severity.INFO  # score 0.0: "None"


def test_cvss_v3_is_preferred_then_v4_then_v2() -> None:
    both = (("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"))
    assert severity_of(both)[0] is Severity.MEDIUM
    assert severity_of(both[:1])[0] is Severity.CRITICAL
    assert severity_of((("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),)) == (Severity.HIGH, "AV:N/AC:L/Au:N/C:P/I:P/A:P (base score 7.5)")


def test_without_a_readable_vector_the_databases_rating_then_nothing() -> None:
    sev, why = severity_of((("CVSS_V3", "CVSS:3.1/AV:X"),), "MODERATE")
    assert sev is Severity.MEDIUM and "MODERATE" in why
    sev, why = severity_of((("CVSS_V3", "CVSS:3.1/AV:X"),))
    assert sev is None and "could not be read" in why
    assert severity_of((("Ubuntu", "high"),))[0] is Severity.HIGH
    assert severity_of(()) == (None, "the record gives no severity")


# ------------------------------------------------------------------ merging


def test_records_that_alias_each_other_are_one_advisory() -> None:
    a = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.0")))], id="PYSEC-2099-1",
                            aliases=["CVE-2099-1"], severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"}]), "a")
    b = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.9.3")))], id="GHSA-aaaa-bbbb-cccc",
                            aliases=["CVE-2099-1"], severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                            summary="the GitHub summary"), "b")
    c = parse_record(record([entry("PyPI", "lib", rng("ECOSYSTEM", ("introduced", "0")))], id="OSV-2099-7"), "c")
    matches = [m for m in (match(x, PYPI, "lib", "1.0") for x in (a, b, c)) if m is not None]
    merged = merge(matches, PYPI)
    assert [(m.id, m.aliases) for m in merged] == [("GHSA-aaaa-bbbb-cccc", ("CVE-2099-1", "PYSEC-2099-1")), ("OSV-2099-7", ())]
    first = merged[0]
    assert first.severity is Severity.CRITICAL and first.fixed == ("1.9.3", "2.0") and first.summary == "the GitHub summary"


def test_a_malware_report_takes_its_mal_id() -> None:
    a = parse_record(record([entry("npm", "evil", rng("SEMVER", ("introduced", "0")))], id="GHSA-zzzz-yyyy-xxxx",
                            aliases=["MAL-2026-77"]), "a")
    b = parse_record(record([entry("npm", "evil", rng("SEMVER", ("introduced", "0")))], id="MAL-2026-77"), "b")
    [merged] = merge([m for m in (match(x, NPM, "evil", "1.0.0") for x in (a, b)) if m], NPM)
    assert merged.id == "MAL-2026-77" and merged.aliases == ("GHSA-zzzz-yyyy-xxxx",) and merged.malicious
