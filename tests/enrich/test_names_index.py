"""The popular-name index is built once per list and kept in the cache (docs/decisions/0026): a run that
finds it there reads it instead of building it, and answers exactly what a freshly built index answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainwarden.enrich import names
from chainwarden.enrich.names import NameIndex, PopularNames, index_for
from chainwarden.model import Ecosystem

CANDIDATES = {
    Ecosystem.PYPI: ["reqeusts", "requests", "python-requests", "requests2", "jeIlyfish", "urlib3", "dateutil-python",
                     "pythondateutil", "requests-toolbelt-x", "", "a", "é", "\udcff", "numpy"],
    Ecosystem.NPM: ["crossenv", "electorn", "@typess/node", "lodash", "node-fetch", "@evil/node-fetch", "types-node",
                    "fetch", "@", "@/", "reakt-dom"],
}


def _answers(index: NameIndex, eco: Ecosystem) -> list[object]:
    return [(c, index.matches(c), index.is_popular(c)) for c in CANDIDATES[eco]]


@pytest.fixture(autouse=True)
def _fresh() -> None:
    names._index.cache_clear()  # each test sees what a new process sees


@pytest.mark.parametrize("eco", [Ecosystem.PYPI, Ecosystem.NPM])
def test_the_index_is_kept_once_and_read_back_with_the_same_answers(eco: Ecosystem, tmp_path: Path) -> None:
    built = index_for(eco, tmp_path / "data", tmp_path / "cache")
    kept = list((tmp_path / "cache" / "names").iterdir())
    assert [p.name.split("-")[0] for p in kept] == [eco.value]
    names._index.cache_clear()
    read = index_for(eco, tmp_path / "data", tmp_path / "cache")
    assert read is not built and isinstance(read._data, names.mmap.mmap)  # read from the cache, not built
    assert _answers(read, eco) == _answers(built, eco) == _answers(NameIndex(names._shipped(eco)), eco)
    assert read.popular.label == built.popular.label and read.downloads == names._shipped(eco).downloads
    assert read.rank == built.rank and read.namespaces == built.namespaces


def test_a_damaged_index_file_is_built_again(tmp_path: Path) -> None:
    first = index_for(Ecosystem.PYPI, tmp_path / "data", tmp_path / "cache")
    (path,) = (tmp_path / "cache" / "names").iterdir()
    expected = _answers(first, Ecosystem.PYPI)
    for damage in (b"", b"chainwarden name index\n{}\n", path.read_bytes()[:5000], b"\0" * 100):
        path.write_bytes(damage)
        names._index.cache_clear()
        assert _answers(index_for(Ecosystem.PYPI, tmp_path / "data", tmp_path / "cache"), Ecosystem.PYPI) == expected
        assert path.read_bytes() == first.dump()  # written again


def test_a_refreshed_list_has_its_own_index_and_a_changed_list_a_new_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "popular-pypi.csv").write_text("download_count,name\n900,requests\n800,numpy\n", encoding="utf-8")
    (data / "popular-pypi.json").write_text(json.dumps({"source": "test", "date": "2026-01-01"}), encoding="utf-8")
    index = index_for(Ecosystem.PYPI, data, tmp_path / "cache")
    assert index.popular.label == "2 names, test, 2026-01-01"
    assert [m.target for m in index.matches("reqeusts")] == ["requests"] and not index.matches("nunpy-extra")
    (data / "popular-pypi.csv").write_text("download_count,name\n900,flask\n", encoding="utf-8")
    again = index_for(Ecosystem.PYPI, data, tmp_path / "cache")
    assert again.popular.label == "1 names, test, 2026-01-01" and not again.matches("reqeusts")
    assert len(list((tmp_path / "cache" / "names").iterdir())) == 2


def test_without_keeping_nothing_is_written(tmp_path: Path) -> None:
    index = index_for(Ecosystem.NPM, tmp_path / "data", tmp_path / "cache", keep=False)
    assert index.matches("crossenv") and not (tmp_path / "cache").exists()


def test_an_index_built_from_names_that_cannot_be_table_keys_is_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        NameIndex(PopularNames(Ecosystem.PYPI, {"a\nb": 1}, "test", "today"))


def test_indexes_no_run_has_read_for_two_weeks_are_removed_when_a_new_one_is_written(tmp_path: Path) -> None:
    import os
    import time

    folder = tmp_path / "cache" / "names"
    folder.mkdir(parents=True)
    old, recent, other = folder / "pypi-0000.index", folder / "pypi-1111.index", folder / "npm-2222.index"
    for p in (old, recent, other):
        p.write_bytes(b"an index of another list or revision")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(other, (month_ago, month_ago))
    index_for(Ecosystem.PYPI, tmp_path / "data", tmp_path / "cache")
    left = sorted(p.name for p in folder.iterdir())
    assert not old.exists() and recent.exists() and other.exists()  # another ecosystem's waits for its own write
    (kept,) = [n for n in left if n not in (recent.name, other.name)]
    os.utime(folder / kept, (month_ago, month_ago))
    names._index.cache_clear()
    index_for(Ecosystem.PYPI, tmp_path / "data", tmp_path / "cache")  # read: marked as used
    assert (folder / kept).stat().st_mtime > time.time() - 60
