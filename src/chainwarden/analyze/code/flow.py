"""Data flow and reachability across a file's functions, resolved once the whole file has been read.

A front-end reads a file once, in source order, and meets calls to functions it has not read yet
(``main()`` calls ``steal()``, defined below it; a method calls another method). So what flows through
a function is written down as placeholder tags, resolved at the end:

- ``param:<fn>:<i>``: the value of the i-th parameter of function ``fn``;
- ``ret:<fn>``: what ``fn`` returns by itself (a secret it reads, a download it makes);
- ``call:<id>``: what one call site gets back of its own arguments (``fn`` returns its parameter);
- ``attr:<Class>.<name>``: what is ever stored in ``self.<name>`` by the class's methods;
- ``glob:<name>``: what the module-level variable ``<name>`` holds;
- ``file:<k>``: a path the code wrote a file to: a file written with downloaded or decoded data is
  `REMOTE_FILE` (running it is running what was downloaded), any other a written file.

`Flow.expand` replaces the last four by what they stand for. A fact (a network send, a process, ``exec``)
that a parameter reaches is raised again at every call of its function whose argument carries data
(`Flow.propagate`), at the call's line, so that ``send(read_credentials())`` is found where it is written,
however many helpers lie between the read and the send.

Calls also say which functions run when the module is loaded: module-level code, the functions it
calls, threads it starts, ``atexit`` handlers, classes it instantiates, and (in ``setup.py``) the
methods of install command overrides (`Flow.reached`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from chainwarden.analyze.code.facts import DECODED, REMOTE, REMOTE_FILE, Fact, Reach

PARAM, RET, CALL, ATTR, GLOB, FILE = "param:", "ret:", "call:", "attr:", "glob:", "file:"
_PLACEHOLDERS = (PARAM, RET, CALL, ATTR, GLOB, FILE)
WRITTEN = "written-file"  # data tag: a file the code itself wrote
# suffixes of files that are run (programs, scripts): a command naming a written data file (``model.bin``,
# ``data.json``) as an argument does not run it
RUNNABLE = frozenset({"exe", "dll", "scr", "msi", "com", "pif", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js",
                      "jse", "wsf", "hta", "lnk", "py", "pyw", "pyc", "sh", "bash", "jar", "elf", "run", "app"})
MAX_DERIVED = 2000  # facts raised at call sites, per file
MAX_HOPS = 6  # functions a parameter's data is followed up through


def placeholder(tag: str) -> bool:
    return tag.startswith(_PLACEHOLDERS)


def real(tags: Iterable[str]) -> frozenset[str]:
    """The tags that say where data comes from (placeholders left out)."""
    return frozenset(t for t in tags if not t.startswith(_PLACEHOLDERS))


@dataclass(frozen=True)
class Edge:
    """One call of one of the file's functions."""

    caller: str  # the function the call is in ("" at module level)
    callee: str
    args: tuple[frozenset[str], ...]  # the tags of each argument, by the callee's parameter index
    line: int
    snippet: str
    early: bool  # the call runs when the module runs (module level, not under a main guard)
    runs: bool = True  # the callee runs (a call, a thread, atexit); False: only handed over (a callback)


class Flow:
    """What a file's functions return, store and call (filled while the file is read; resolved at the end)."""

    def __init__(self) -> None:
        self.returns: dict[str, set[str]] = defaultdict(set)
        self.attrs: dict[str, set[str]] = defaultdict(set)
        self.globals: dict[str, frozenset[str]] = {}
        self.calls: dict[str, tuple[str, tuple[frozenset[str], ...]]] = {}  # call id -> (callee, argument tags)
        self.files: list[tuple[str, frozenset[str]]] = []  # files written: (path text, what was written)
        self.edges: list[Edge] = []
        self._memo: dict[str, frozenset[str]] = {}

    # -- placeholders -----------------------------------------------------------------------
    def expand(self, tags: Iterable[str]) -> frozenset[str]:
        """`tags` with every ret/call/attr/glob placeholder replaced by what it stands for (params kept)."""
        out: set[str] = set()
        for t in tags:
            if t.startswith((RET, CALL, ATTR, GLOB, FILE)):
                out |= self._one(t)
            else:
                out.add(t)
        return frozenset(out)

    def _one(self, tag: str) -> frozenset[str]:
        kept = self._memo.get(tag)
        if kept is not None:
            return kept
        self._memo[tag] = frozenset()  # a cycle resolves to nothing more
        if tag.startswith(RET):
            fn = tag[len(RET):]
            own = f"{PARAM}{fn}:"
            value = frozenset(t for t in self.expand(self.returns.get(fn, ())) if not t.startswith(own))
        elif tag.startswith(CALL):
            fn, args = self.calls.get(tag[len(CALL):], ("", ()))
            own = f"{PARAM}{fn}:"
            returned = {int(t[len(own):]) for t in self.expand(self.returns.get(fn, ())) if t.startswith(own)
                        and t[len(own):].isdigit()}
            value = frozenset().union(*(self.expand(args[i]) for i in returned if i < len(args)))
        elif tag.startswith(ATTR):
            value = self.expand(self.attrs.get(tag[len(ATTR):], ()))
        elif tag.startswith(FILE):
            index = tag[len(FILE):]
            content = self.expand(self.files[int(index)][1]) if index.isdigit() and int(index) < len(self.files) \
                else frozenset()
            value = frozenset({REMOTE_FILE if {REMOTE, DECODED, REMOTE_FILE} & content else WRITTEN})
        else:
            value = self.expand(self.globals.get(tag[len(GLOB):], ()))
        self._memo[tag] = value
        return value

    def written(self, path: str, content: Iterable[str]) -> str:
        """Record a file the code writes (`path`: its text as far as it folds); the placeholder that stands for it."""
        self.files.append((path, frozenset(content)))
        return f"{FILE}{len(self.files) - 1}"

    def files_named(self, command: str) -> frozenset[str]:
        """The placeholders of the written files a command line names (by the file's name: ``temp.pyw``,
        ``C:/x/server.exe``)."""
        out = set()
        for i, (path, _) in enumerate(self.files):
            name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
            if len(name) >= 4 and name.rsplit(".", 1)[-1].lower() in RUNNABLE and name in command:
                out.add(f"{FILE}{i}")
        return frozenset(out)

    # -- reachability -------------------------------------------------------------------------
    def reached(self, roots: Iterable[str]) -> set[str]:
        """The functions that run when `roots` run ("" is module level: only its early calls count)."""
        by_caller: dict[str, list[Edge]] = defaultdict(list)
        for e in self.edges:
            if e.runs:
                by_caller[e.caller].append(e)
        seen: set[str] = set()
        todo = [r for r in roots]
        while todo:
            fn = todo.pop()
            for e in by_caller.get(fn, ()):
                if fn == "" and not e.early:
                    continue
                if e.callee not in seen:
                    seen.add(e.callee)
                    todo.append(e.callee)
        return seen

    # -- parameters -----------------------------------------------------------------------------
    def propagate(self, facts: list[Fact], reach_of: dict[str, tuple[Reach, bool]]) -> list[Fact]:
        """Facts raised at the calls whose arguments reach them: a fact with ``param:fn:i`` data, at every call of
        ``fn`` whose i-th argument carries data, is raised at that call (with the argument's data instead); and again
        at the calls of the caller, when the argument was the caller's own parameter. `reach_of` gives the reach and
        top of a call site by the function it is in (placed like the call)."""
        by_callee: dict[str, list[Edge]] = defaultdict(list)
        for e in self.edges:
            by_callee[e.callee].append(e)
        out: list[Fact] = []
        todo = [(f, 0) for f in facts if any(t.startswith(PARAM) for t in f.data)]
        seen: set[tuple[int, str, int, str]] = set()
        while todo and len(out) < MAX_DERIVED:
            f, hops = todo.pop()
            fns = {t[len(PARAM):].rsplit(":", 1)[0] for t in f.data if t.startswith(PARAM)}
            for fn in fns:
                own = f"{PARAM}{fn}:"
                indices = [int(t[len(own):]) for t in f.data if t.startswith(own) and t[len(own):].isdigit()]
                for e in by_callee.get(fn, ()):
                    carried: set[str] = set()
                    for i in indices:
                        if i < len(e.args):
                            carried |= self.expand(e.args[i])
                    if not carried:
                        continue
                    data = frozenset(t for t in f.data if not t.startswith(own)) | carried
                    key = (e.line, f.kind.value, f.line, ",".join(sorted(data)))
                    if key in seen:
                        continue
                    seen.add(key)
                    reach, top = reach_of.get(e.caller, (Reach.CALL, False))
                    if e.caller == "" and not e.early:
                        reach, top = Reach.CALL, False
                    name = fn.rsplit(".", 1)[-1]
                    g = replace(f, data=data, line=e.line, snippet=e.snippet, owner=e.caller, reach=reach, top=top,
                                via=f"{f.via}, through {name}() (line {f.line})")
                    if real(data) - real(f.data):
                        out.append(g)
                    if hops < MAX_HOPS and any(t.startswith(PARAM) for t in data):
                        todo.append((g, hops + 1))
        return out
