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
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from platformdirs import user_data_dir

from chainwarden._files import FileRefused, read_text
from chainwarden.model import Ecosystem, NameMatch, normalize_name

__all__ = ["NameIndex", "PopularNames", "PopularDataError", "data_dir", "index_for", "parse_popular"]

MIN_EDIT_LENGTH = 4  # one edit away from a name shorter than this is mostly another real word
SHORT_NAME = 5  # a name this short is one edit from many real words: only the SHORT_TOP most popular are targets
SHORT_TOP = 2000
COMBO_TOP = 3000  # combosquats: only the COMBO_TOP most popular names, with at least COMBO_MIN_LENGTH letters,
COMBO_MIN_LENGTH = 5  # that are not a plugin namespace (NAMESPACE_MIN popular names start with "<name>-")
NAMESPACE_MIN = 3
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


class NameIndex:
    """Every popular name of one ecosystem, indexed for imitation checks; built once, then O(len(name))."""

    def __init__(self, popular: PopularNames) -> None:
        self.popular = popular
        self.ecosystem = popular.ecosystem
        self.downloads = popular.downloads
        self._by_flat: dict[str, list[str]] = {}
        self._by_fold: dict[str, list[str]] = {}
        self._by_parts: dict[tuple[str, ...], list[str]] = {}
        self._deletes: dict[str, list[str]] = {}
        self._bare: dict[str, list[str]] = {}  # npm: unscoped name -> popular scoped names ending in it
        self._scopes: dict[str, list[str]] = {}  # npm: name without scope -> scopes it is popular under
        ranked = sorted(popular.downloads, key=lambda n: (-popular.downloads[n], n))
        self.rank = {n: i + 1 for i, n in enumerate(ranked)}
        heads = Counter(n.split("-", 1)[0] for n in popular.downloads if "-" in n)
        self.namespaces = {n for n in popular.downloads if heads.get(n, 0) >= NAMESPACE_MIN}
        for name in popular.downloads:
            bare = name.split("/", 1)[1] if name.startswith("@") and "/" in name else name
            flat = _flat(name)
            self._by_flat.setdefault(flat, []).append(name)
            self._by_fold.setdefault(_fold(flat), []).append(name)
            parts = tuple(p for p in _SEPARATORS.split(name.lower()) if p)
            if len(parts) > 1:
                self._by_parts.setdefault(tuple(sorted(parts)), []).append(name)
            if len(flat) >= MIN_EDIT_LENGTH and (len(flat) > SHORT_NAME or self.rank[name] <= SHORT_TOP):
                for d in set(_deletes(flat)):
                    self._deletes.setdefault(d, []).append(name)
            if bare != name:
                self._bare.setdefault(bare, []).append(name)
                self._scopes.setdefault(bare, []).append(name.split("/", 1)[0])

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

    def _lookup(self, text: str) -> list[str]:
        return self._by_flat.get(_flat(text), [])

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
def _index(ecosystem: Ecosystem, source: str, _stamp: int) -> NameIndex:
    return NameIndex(PopularNames.load(ecosystem, Path(source)) if source else _shipped(ecosystem))


def index_for(ecosystem: Ecosystem, directory: Path | None = None) -> NameIndex:
    """The index of an ecosystem's popular names, built once per process per list (a refreshed list in
    `directory` wins over the shipped one; a list changed on disk is read again)."""
    folder = directory or data_dir()
    user = folder / f"popular-{ecosystem.value}.csv"
    if user.is_file() and user.with_suffix(".json").is_file():
        return _index(ecosystem, str(folder), user.stat().st_mtime_ns)
    return _index(ecosystem, "", 0)
