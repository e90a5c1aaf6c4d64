"""Popular package names and the index that finds which one a name imitates.

`PopularNames.load(ecosystem)` reads the list shipped in `chainwarden/data`
(or the user's refreshed copy, `chainwarden data update`); `NameIndex` is built
once from it and answers `matches(name)` with every popular name the given one
could be imitating, and how:

- ``separator``: the same name with other separators (``python_dateutil``, ``pythondateutil``);
- ``homoglyph``: the same name once look-alike characters are folded (``1``/``l``/``i``/``I``,
  ``0``/``o``, ``rn``/``m``, ``vv``/``w``, Cyrillic and Greek look-alikes, accents);
- ``deletion``, ``insertion``, ``repeated-character``, ``substitution`` (``keyboard-adjacent``
  when the two keys touch), ``swap``: one edit (Damerau-Levenshtein distance 1), found through
  a deletion neighbourhood built once, never a loop over the popular list;
- ``affix``: ``python-``/``py-``/``python3-``/``py``/``node-`` prefixes and ``-py``/``-python``/
  ``-python3``/``-js``/``-node`` suffixes added or removed;
- ``version-digits``: digits appended (``requests2``, ``requests-3``);
- ``word-order``: the hyphenated parts in another order (``dateutil-python``);
- ``combosquat``: a popular name plus other words (``requests-toolbelt``-style);
- ``scope``: npm scope confusion (``@typess/node`` for ``@types/node``, ``node-fetch`` copied
  under a scope, a scoped package's name published without its scope).

Pure computation over data; nothing here touches the network.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import mmap
import os
import re
import stat
import sys
import tempfile
import time
import unicodedata
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from chainwarden._files import FileRefused, read_bytes, read_text
from chainwarden.model import Ecosystem, NameMatch, normalize_name

__all__ = ["NameIndex", "PopularNames", "PopularDataError", "data_dir", "index_for", "parse_popular"]

MIN_EDIT_LENGTH = 4  # one edit away from a name shorter than this is mostly another real word
SHORT_NAME = 5  # a name this short is one edit from many real words: only the SHORT_TOP most popular are targets
SHORT_TOP = 2000
COMBO_TOP = 3000  # combosquats: only the COMBO_TOP most popular names, with at least COMBO_MIN_LENGTH letters,
COMBO_MIN_LENGTH = 5  # that are not a plugin namespace (NAMESPACE_MIN popular names start with "<name>-")
NAMESPACE_MIN = 3
MAX_INDEX_BYTES = 256 * 1024 * 1024  # a kept index is about 400 bytes a name
PREFIXES = ("python3-", "python-", "py3-", "py-", "node-", "python", "py")
SUFFIXES = ("-python3", "-python", "-py3", "-py", "-js", "-node", "python", "py", "js")

Add = Callable[..., None]  # add(target, transformation, detail="")
_SEPARATORS = re.compile(r"[-_.]+")
# Look-alikes folded to one representative; multi-letter ones first.
_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_SINGLE = str.maketrans({
    "1": "l", "i": "l", "|": "l", "!": "l", "0": "o",
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "l", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "l", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "γ": "y",
})
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYPOS = {ch: (r, c + 0.5 * r) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}


class PopularDataError(Exception):
    def diagnostics(self) -> str:
        return str(self)


def data_dir() -> Path:
    """Where `chainwarden data update` keeps refreshed lists (they win over the shipped ones)."""
    return Path(user_data_dir("chainwarden", appauthor=False))


@dataclass(frozen=True)
class PopularNames:
    ecosystem: Ecosystem
    downloads: dict[str, int]  # normalised name -> downloads in the list's period
    source: str
    date: str

    @property
    def label(self) -> str:
        return f"{len(self.downloads)} names, {self.source}, {self.date}"

    @staticmethod
    def load(ecosystem: Ecosystem, directory: Path | None = None) -> PopularNames:
        """The user's refreshed list when there is one, else the list shipped with chainwarden."""
        user = (directory or data_dir()) / f"popular-{ecosystem.value}.csv"
        meta_file = user.with_suffix(".json")
        if user.is_file() and meta_file.is_file():
            try:
                meta = json.loads(read_text(meta_file))
                text = read_text(user)
            except (FileRefused, ValueError) as exc:  # ValueError: not UTF-8 or not JSON
                raise PopularDataError(f"{user}: could not read the refreshed list: {exc}") from exc
            if not isinstance(meta, dict):
                raise PopularDataError(f"{meta_file}: expected a JSON object with source and date")
            return PopularNames(ecosystem, parse_popular(text, ecosystem, str(user)),
                                str(meta.get("source", user)), str(meta.get("date", "unknown")))
        return _shipped(ecosystem)


@lru_cache(maxsize=2)
def _shipped(ecosystem: Ecosystem) -> PopularNames:
    package = resources.files("chainwarden.data")
    meta = json.loads(package.joinpath("popular.json").read_text(encoding="utf-8"))[ecosystem.value]
    text = package.joinpath(meta["file"]).read_text(encoding="utf-8")
    return PopularNames(ecosystem, parse_popular(text, ecosystem, meta["file"]), meta["source"], meta["date"])


def parse_popular(text: str, ecosystem: Ecosystem, where: str) -> dict[str, int]:
    """A two-column CSV (count,name or name,count, with or without a header) or one name a line,
    most popular first. Names without counts get decreasing ranks as counts."""
    out: dict[str, int] = {}
    rows = list(csv.reader(io.StringIO(text)))
    for lineno, row in enumerate(rows, 1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        if len(cells) == 1:
            name, count = cells[0], len(rows) - lineno
        elif len(cells) == 2:
            a, b = cells
            if a.isdigit():
                name, count = b, int(a)
            elif b.isdigit():
                name, count = a, int(b)
            elif lineno == 1:
                continue  # a header
            else:
                raise PopularDataError(f"{where}:{lineno}: expected a name and a download count, got {row!r}")
        else:
            raise PopularDataError(f"{where}:{lineno}: expected a name and a download count, got {row!r}")
        if not re.fullmatch(r"(@[A-Za-z0-9._~-]+/)?[A-Za-z0-9._~-]+", name):
            if lineno == 1:
                continue
            raise PopularDataError(f"{where}:{lineno}: {name!r} is not a package name")
        key = normalize_name(ecosystem, name)
        out[key] = max(out.get(key, 0), count)
    if not out:
        raise PopularDataError(f"{where}: expected package names, found none")
    return out


def _flat(name: str) -> str:
    """Without separators (and, for npm, without the scope's punctuation)."""
    return _SEPARATORS.sub("", name.lower())


def _fold(flat: str) -> str:
    """Look-alike characters folded: what a reader's eye sees."""
    text = unicodedata.normalize("NFKD", flat)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().translate(_SINGLE)
    for a, b in _MULTI:
        text = text.replace(a, b)
    return text


def _deletes(word: str) -> Iterator[str]:
    yield word
    for i in range(len(word)):
        yield word[:i] + word[i + 1:]


def _adjacent(a: str, b: str) -> bool:
    pa, pb = _KEYPOS.get(a), _KEYPOS.get(b)
    return pa is not None and pb is not None and abs(pa[0] - pb[0]) <= 1 and abs(pa[1] - pb[1]) <= 1.0 and a != b


def _one_edit(candidate: str, target: str) -> str | None:
    """How `candidate` is one edit from `target`, or None."""
    lc, lt = len(candidate), len(target)
    if lc == lt:
        diff = [i for i in range(lc) if candidate[i] != target[i]]
        if len(diff) == 1:
            i = diff[0]
            return "keyboard-adjacent" if _adjacent(candidate[i], target[i]) else "substitution"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and candidate[diff[0]] == target[diff[1]] and candidate[diff[1]] == target[diff[0]]:
            return "swap"
        return None
    if lc == lt + 1:
        for i in range(lc):
            if candidate[:i] + candidate[i + 1:] == target:
                near = (i > 0 and candidate[i - 1] == candidate[i]) or (i + 1 < lc and candidate[i + 1] == candidate[i])
                return "repeated-character" if near else "insertion"
        return None
    if lc + 1 == lt:
        for i in range(lt):
            if target[:i] + target[i + 1:] == candidate:
                return "deletion"
    return None


class _Table:
    """A frozen map from a key (a string, or a tuple of strings) to a tuple of strings, held in bytes.

    What `NameIndex` looks names up in: per list, 190,000 deletion neighbours and 15,000 of everything else.
    Built once per list (`pack`) and kept in the user's cache, it is loaded by cutting the file into
    memoryviews, with no work per entry (docs/decisions/0026-popular-name-index-on-disk.md). The values of
    an entry are numbers into the index's list of strings, made into a tuple when the entry is found. A small
    table (the names, their folds and parts: the ones asked most) is looked up through a dict of its keys,
    made in C from the keys' bytes in a millisecond; a large one (the deletion neighbours) in place, through
    open-addressing slots hashed with crc32."""

    __slots__ = ("_entry", "_data", "_base", "_koff", "_vals", "_voff", "_slots", "_mask", "_strings")
    SECTIONS = 5
    IN_PLACE = 50_000  # a table with more keys than this is looked up in place

    def __init__(self, strings: list[str], data: bytes | mmap.mmap, sections: list[tuple[int, memoryview]]) -> None:
        (base, keys), (_, koff), (_, vals), (_, voff), (_, slots) = sections
        self._strings = strings
        self._data, self._base = data, base  # the keys, "\n" after each, are data[base:base + len(keys)]
        self._koff, self._vals, self._voff, self._slots = koff.cast("I"), vals.cast("I"), voff.cast("I"), slots.cast("i")
        n = len(self._koff) - 1
        if n < 0 or len(self._voff) != n + 1 or self._koff[n] != len(keys) or self._voff[n] != len(self._vals) \
                or not self._slots or len(self._slots) & (len(self._slots) - 1):
            raise ValueError("a name table whose parts do not fit together")
        self._mask = len(self._slots) - 1
        self._entry: dict[str, int] | None = None
        if n <= self.IN_PLACE:
            self._entry = dict(zip(bytes(keys).decode("utf-8", "surrogatepass").split("\n"), range(n)))

    @staticmethod
    def pack(mapping: dict[Any, list[str]], number: dict[str, int]) -> list[bytes]:
        """The sections of a table holding `mapping`; its values become their numbers in `number` (grown)."""
        keys: list[bytes] = []
        koff, vals, voff = array("I", [0]), array("I"), array("I", [0])
        for key, values in mapping.items():
            keys.append(("\0".join(key) if isinstance(key, tuple) else key).encode("utf-8", "surrogatepass"))
            if b"\n" in keys[-1]:
                raise ValueError(f"{key!r}: a name table's key may not hold a line break")
            koff.append(koff[-1] + len(keys[-1]) + 1)
            vals.extend(number.setdefault(v, len(number)) for v in values)
            voff.append(len(vals))
        size = 8
        while size < 2 * len(keys):
            size *= 2
        slots = array("i", [-1]) * size
        for entry, kb in enumerate(keys):
            at = zlib.crc32(kb) & (size - 1)
            while slots[at] >= 0:
                at = (at + 1) & (size - 1)
            slots[at] = entry
        return [b"".join(k + b"\n" for k in keys), koff.tobytes(), vals.tobytes(), voff.tobytes(), slots.tobytes()]

    def get(self, key: str | tuple[str, ...], default: tuple[str, ...] = ()) -> tuple[str, ...]:
        text: str = "\0".join(key) if key.__class__ is tuple else key  # type: ignore[assignment]
        if self._entry is not None:
            entry = self._entry.get(text)
        else:
            entry = self._find(text.encode("utf-8", "surrogatepass"))
        if entry is None:
            return default
        strings, voff = self._strings, self._voff
        return tuple([strings[i] for i in self._vals[voff[entry]:voff[entry + 1]]])

    def _find(self, kb: bytes) -> int | None:
        slots, koff, data, base, mask = self._slots, self._koff, self._data, self._base, self._mask
        at = zlib.crc32(kb) & mask
        size = len(kb) + 1
        while (entry := slots[at]) >= 0:
            start = koff[entry]
            if koff[entry + 1] - start == size and data.find(kb, base + start, base + start + size - 1) == base + start:
                return entry
            at = (at + 1) & mask
        return None


_INDEX_MAGIC = b"chainwarden name index\n"
_TABLES = ("by_flat", "by_fold", "by_parts", "deletes", "bare", "scopes")


class NameIndex:
    """Every popular name of one ecosystem, indexed for imitation checks; built once, then O(len(name)).

    `NameIndex(popular)` builds it; `index_for` keeps what it built in the user's cache (`dump`), keyed by
    the list's digest, and later runs `load` it in milliseconds instead of building it again."""

    popular: PopularNames
    ecosystem: Ecosystem
    downloads: dict[str, int]
    rank: dict[str, int]
    namespaces: set[str]
    _by_flat: _Table
    _by_fold: _Table
    _by_parts: _Table
    _deletes: _Table
    _bare: _Table  # npm: unscoped name -> popular scoped names ending in it
    _scopes: _Table  # npm: name without scope -> scopes it is popular under

    def __init__(self, popular: PopularNames) -> None:
        self._adopt(self._pack(popular))

    @staticmethod
    def _pack(popular: PopularNames) -> bytes:
        """The index of `popular`, as `load` reads it."""
        by_flat: dict[str, list[str]] = {}
        by_fold: dict[str, list[str]] = {}
        by_parts: dict[tuple[str, ...], list[str]] = {}
        deletes: dict[str, list[str]] = {}
        bare_of: dict[str, list[str]] = {}
        scopes: dict[str, list[str]] = {}
        ranked = sorted(popular.downloads, key=lambda n: (-popular.downloads[n], n))
        rank = {n: i + 1 for i, n in enumerate(ranked)}
        heads = Counter(n.split("-", 1)[0] for n in popular.downloads if "-" in n)
        namespaces = [n for n in ranked if heads.get(n, 0) >= NAMESPACE_MIN]
        for name in popular.downloads:
            bare = name.split("/", 1)[1] if name.startswith("@") and "/" in name else name
            flat = _flat(name)
            by_flat.setdefault(flat, []).append(name)
            by_fold.setdefault(_fold(flat), []).append(name)
            parts = tuple(p for p in _SEPARATORS.split(name.lower()) if p)
            if len(parts) > 1:
                by_parts.setdefault(tuple(sorted(parts)), []).append(name)
            if len(flat) >= MIN_EDIT_LENGTH and (len(flat) > SHORT_NAME or rank[name] <= SHORT_TOP):
                for d in set(_deletes(flat)):
                    deletes.setdefault(d, []).append(name)
            if bare != name:
                bare_of.setdefault(bare, []).append(name)
                scopes.setdefault(bare, []).append(name.split("/", 1)[0])
        number = {n: i for i, n in enumerate(ranked)}  # strings: the names, most popular first, then the scopes
        sections = [section for table in (by_flat, by_fold, by_parts, deletes, bare_of, scopes)
                    for section in _Table.pack(table, number)]
        strings = list(number)
        body = [("\n".join(strings)).encode(), *sections]
        header = {"ecosystem": popular.ecosystem.value, "source": popular.source, "date": popular.date,
                  "counts": [popular.downloads[n] for n in ranked], "namespaces": [number[n] for n in namespaces],
                  "byteorder": sys.byteorder, "sections": [len(b) for b in body]}
        head = json.dumps(header, separators=(",", ":")).encode()
        out = [_INDEX_MAGIC, head, b"\n"]
        at = len(_INDEX_MAGIC) + len(head) + 1
        for b in body:  # each part starts on an 8-byte boundary: its numbers are read in place
            pad = -at % 8
            out += [b"\0" * pad, b]
            at += pad + len(b)
        return b"".join(out)

    @classmethod
    def load(cls, data: bytes | mmap.mmap) -> NameIndex:
        """An index `dump` wrote (its bytes, or the file mapped); ValueError when `data` is not one (the caller
        builds the index again)."""
        index = cls.__new__(cls)
        index._adopt(data)
        return index

    def _adopt(self, data: bytes | mmap.mmap) -> None:
        try:
            if data[:len(_INDEX_MAGIC)] != _INDEX_MAGIC:
                raise ValueError("not a name index")
            cut = data.find(b"\n", len(_INDEX_MAGIC))
            header = json.loads(data[len(_INDEX_MAGIC):cut]) if cut > 0 else None
            if not isinstance(header, dict) or header.get("byteorder") != sys.byteorder:
                raise ValueError("a name index written on another machine")
            view, at, parts = memoryview(data), cut + 1, []
            for size in header["sections"]:
                at += -at % 8
                if not isinstance(size, int) or size < 0 or at + size > len(data):
                    raise ValueError("a name index cut short")
                parts.append((at, view[at:at + size]))
                at += size
            if len(parts) != 1 + _Table.SECTIONS * len(_TABLES):
                raise ValueError("a name index of another layout")
            strings = bytes(parts[0][1]).decode().split("\n")
            counts = header["counts"]
            names = strings[:len(counts)]
            if len(names) != len(counts):
                raise ValueError("a name index whose names and counts differ")
            ecosystem = Ecosystem(header["ecosystem"])
            tables = [_Table(strings, data, parts[1 + i * _Table.SECTIONS: 1 + (i + 1) * _Table.SECTIONS])
                      for i in range(len(_TABLES))]
            namespaces = {names[i] for i in header["namespaces"]}
            source, date = str(header["source"]), str(header["date"])
        except (KeyError, TypeError, IndexError, UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(f"a damaged name index ({exc.__class__.__name__})") from None
        self.downloads = dict(zip(names, counts))
        self.popular = PopularNames(ecosystem, self.downloads, source, date)
        self.ecosystem = ecosystem
        self.rank = {n: i + 1 for i, n in enumerate(names)}
        self.namespaces = namespaces
        self._by_flat, self._by_fold, self._by_parts, self._deletes, self._bare, self._scopes = tables
        self._data = data

    def dump(self) -> bytes:
        """What `load` reads back."""
        return bytes(self._data)

    def is_popular(self, name: str) -> bool:
        return normalize_name(self.ecosystem, name) in self.downloads

    def matches(self, name: str) -> list[NameMatch]:
        """Every popular name `name` may imitate, best first (one per target)."""
        cand = normalize_name(self.ecosystem, name)
        found: dict[str, NameMatch] = {}

        def add(target: str, how: str, detail: str = "") -> None:
            if target != cand and target not in found:
                found[target] = NameMatch(target, how, detail, self.downloads[target], self.downloads.get(cand))

        flat = _flat(cand)
        for t in self._by_flat.get(flat, ()):
            add(t, "separator")
        if len(flat) >= MIN_EDIT_LENGTH:
            for t in self._by_fold.get(_fold(flat), ()):
                add(t, "homoglyph", "look-alike characters")
        self._digits(cand, add)
        self._affixes(cand, add)
        if len(flat) >= MIN_EDIT_LENGTH - 1:
            seen: set[str] = set()
            for d in _deletes(flat):
                for t in self._deletes.get(d, ()):
                    if t in seen or t in found:
                        continue
                    seen.add(t)
                    how = _one_edit(flat, _flat(t))
                    if how:
                        add(t, how)
        parts = tuple(p for p in _SEPARATORS.split(cand) if p)
        if len(parts) > 1:
            for t in self._by_parts.get(tuple(sorted(parts)), ()):
                add(t, "word-order")
            self._combos(parts, add)
        if self.ecosystem is Ecosystem.NPM:
            self._scope(cand, add)
        return sorted(found.values(), key=lambda m: (_RANK.get(m.transformation, 9), -m.target_downloads, m.target))

    def _lookup(self, text: str) -> tuple[str, ...]:
        return self._by_flat.get(_flat(text))

    def _affixes(self, cand: str, add: Add) -> None:
        for p in PREFIXES:
            if cand.startswith(p) and len(cand) - len(p) >= 3:
                for t in self._lookup(cand[len(p):]):
                    add(t, "affix", f"prefix {p!r} added")
            for t in self._lookup(p + cand):
                if len(cand) >= 3:
                    add(t, "affix", f"prefix {p!r} removed")
        for s in SUFFIXES:
            if cand.endswith(s) and len(cand) - len(s) >= 3:
                for t in self._lookup(cand[: -len(s)]):
                    add(t, "affix", f"suffix {s!r} added")
            for t in self._lookup(cand + s):
                if len(cand) >= 3:
                    add(t, "affix", f"suffix {s!r} removed")

    def _digits(self, cand: str, add: Add) -> None:
        m = re.fullmatch(r"(.+?)[-_.]?(\d+)", cand)
        if m and len(m.group(1)) >= 3:
            for t in self._lookup(m.group(1)):
                if not re.search(r"\d$", t):
                    add(t, "version-digits", f"{m.group(2)!r} appended")

    def _combos(self, parts: tuple[str, ...], add: Add) -> None:
        n = len(parts)
        for i in range(n):
            for j in range(i + 1, n + 1):
                if (i, j) == (0, n):
                    continue
                core = "-".join(parts[i:j])
                if len(_flat(core)) < MIN_EDIT_LENGTH:
                    continue
                rest = parts[:i] + parts[j:]
                extra = "-".join(rest)
                if any(w in self.namespaces for w in rest):
                    continue  # django-kombu, types-aiobotocore-x: an integration of two real projects, not a lure
                for t in self._by_flat.get(_flat(core), ()):
                    if self.rank[t] <= COMBO_TOP and len(_flat(t)) >= COMBO_MIN_LENGTH and t not in self.namespaces:
                        add(t, "combosquat", f"adds {extra!r}")

    def _scope(self, cand: str, add: Add) -> None:
        if cand.startswith("@") and "/" in cand:
            scope, bare = cand.split("/", 1)
            for real in self._scopes.get(bare, ()):
                s_flat, r_flat = _flat(scope), _flat(real)
                if real != scope and (_one_edit(s_flat, r_flat) or _fold(s_flat) == _fold(r_flat)):
                    add(f"{real}/{bare}", "scope", f"scope {scope} imitates {real}")
            if bare in self.downloads:
                add(bare, "scope", f"{bare} republished under the scope {scope}")
        else:
            for t in self._bare.get(cand, ()):
                add(t, "scope", f"{t} published without its scope")


_RANK = {"homoglyph": 0, "separator": 1, "swap": 2, "keyboard-adjacent": 2, "substitution": 3, "deletion": 3,
         "repeated-character": 3, "insertion": 3, "scope": 3, "affix": 4, "version-digits": 4, "word-order": 4,
         "combosquat": 6}


@lru_cache(maxsize=4)
def _index(ecosystem: Ecosystem, source: str, digest: str, cache: str) -> NameIndex:
    """The index of one list (by its digest): read from the cache folder `cache` when it was built before,
    else built and kept there ("" : not kept)."""
    path = Path(cache) / "names" / f"{ecosystem.value}-{digest}.index" if cache else None
    if path is not None and path.is_file():
        try:
            index = NameIndex.load(_mapped(path))
        except (OSError, ValueError):
            pass  # damaged or unreadable: built again, and written over
        else:
            _mark_used(path)
            return index
    index = NameIndex(PopularNames.load(ecosystem, Path(source)) if source else _shipped(ecosystem))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as out:
                out.write(index.dump())
            os.replace(out.name, path)
        except OSError:
            pass  # a cache that cannot be written: built again next run
        else:
            _prune(path)
    return index


_UNUSED = 14 * 86400  # an index no run has read for two weeks (another list's, or an older chainwarden's) goes


def _mark_used(path: Path) -> None:
    """Touch a kept index once a day, so that `_prune` tells the ones in use (e.g. by another installed
    version sharing the cache) from the ones left behind."""
    try:
        if path.stat().st_mtime < time.time() - 86400:
            os.utime(path)
    except OSError:
        pass


def _prune(kept: Path) -> None:
    """Remove the indexes (and left-over temporary files) beside `kept` that no run has read for `_UNUSED`:
    each is about 9 MB, and each new list or chainwarden revision writes one."""
    ecosystem = kept.name.split("-", 1)[0]
    for other in kept.parent.glob(f"{ecosystem}-*"):
        try:
            if other != kept and other.stat().st_mtime < time.time() - _UNUSED:
                other.unlink()
        except OSError:
            pass


def index_for(ecosystem: Ecosystem, directory: Path | None = None, cache_dir: Path | None = None, *,
              keep: bool = True) -> NameIndex:
    """The index of an ecosystem's popular names (a refreshed list in `directory` wins over the shipped one).
    Built once per list, kept in `cache_dir` (the user's cache by default; not with ``keep=False``) under the
    digest of the list and of this module, and read from there by later runs; once per process per list."""
    folder = directory or data_dir()
    user = folder / f"popular-{ecosystem.value}.csv"
    if user.is_file() and user.with_suffix(".json").is_file():
        source = str(folder)
        try:
            content = read_bytes(user) + b"\0" + read_bytes(user.with_suffix(".json"))
        except FileRefused as exc:
            raise PopularDataError(f"{user}: could not read the refreshed list: {exc}") from exc
    else:
        source = ""
        package = resources.files("chainwarden.data")
        content = package.joinpath("popular.json").read_bytes()
        content += b"\0" + package.joinpath(json.loads(content)[ecosystem.value]["file"]).read_bytes()
    digest = hashlib.sha256(_code_revision() + b"\0" + content).hexdigest()[:24]
    if keep:
        from chainwarden.enrich.cache import default_cache_dir  # the cache's one default place

        cache = str(cache_dir or default_cache_dir())
    else:
        cache = ""
    return _index(ecosystem, source, digest, cache)


def _mapped(path: Path) -> mmap.mmap:
    """The index file kept in the cache, mapped read-only: its pages are read when a lookup touches them."""
    with open(path, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode) or os.fstat(f.fileno()).st_size > MAX_INDEX_BYTES:
            raise ValueError(f"{path}: not a name index file")
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


@lru_cache(maxsize=1)
def _code_revision() -> bytes:
    """This module's code: an index is built again when how it is built (or read) changes."""
    try:
        return Path(__file__).read_bytes()
    except OSError:
        from chainwarden import __version__

        return __version__.encode()
