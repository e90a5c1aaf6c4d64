"""The fact model of the code analysis: what a file's code does, in one vocabulary for every language.

A language front-end (`python_ast` for Python, `javascript` for JavaScript, `text` for shell,
PowerShell and batch command lines and scripts) reads a file and says what its code does, as
`Fact`s: data reaching the network (`SEND`), a host name resolved (`RESOLVE`), a process started
(`RUN`), code executed (`EXEC`), a file read or written (`READ`, `WRITE`), an encoded literal that
decodes to code (`ENCODED`), and so on. Each fact says what data reaches it (`data`: the sources
the front-end followed to it, such as a secret environment variable, the whole environment, a
credential file, the host's identity, a download, a decoded payload), what it concerns (`text`:
the command line, the path, the literal), how the code gets there (`reach`: at install time,
at interpreter start-up, when the module is loaded, or only when someone calls it) and where it
is (line, snippet, decoding chain).

The rules (`analyze/code/rules/`, one module each) read facts and decide what is a finding and how
serious it is. A front-end never decides a rule's severity; a rule never reads a syntax tree. So a
rule is written once for every language, and a front-end that learns a new trick (following calls
into functions, a new decoder) improves every rule at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from chainwarden.model import Confidence, Severity


class Kind(StrEnum):
    """What the code does."""

    SEND = "send"  # data leaves over the network (api: the call; data: what it carries)
    RESOLVE = "resolve"  # a host name is resolved (data: what the name is built from; flags: built-host)
    RUN = "run"  # a process is started (text: the command line as far as it folds)
    EXEC = "exec"  # code is executed (flags: decoded-literal, literal, computed; data)
    READ = "read"  # a file is read (text: the path)
    WRITE = "write"  # a file is written (text: the path; data: what is written)
    ENCODED = "encoded"  # an encoded literal decodes to code (chain)
    BLOB = "blob"  # compiled code loaded from an embedded blob (marshal)
    OBFUSCATION = "obfuscation"  # a marker of hidden code (flags say which)
    WEBHOOK_URL = "webhook-url"  # a chat webhook or bot URL in a literal
    HOOK = "hook"  # an install hook: a setup.py command override, a .pth line (text: what it runs)
    LOAD_EFFECT = "load-effect"  # network, process or DNS access when the file is loaded (api: which)
    SHELL_SOCKET = "shell-socket"  # a shell on a network socket
    PUBLISH = "publish"  # npm publish from code (flags: manifest-write, self-copy, at-load)
    CONNECT_IP = "connect-ip"  # a network call to a literal public IP address (text: the address)
    FETCH_RUN = "fetch-run"  # a command line downloads and runs code (text: the command)
    UNPARSEABLE = "unparseable"  # the file does not parse (text: the language)


class Reach(StrEnum):
    """When the code that does it runs."""

    INSTALL = "install"  # when the package is installed (setup.py and its commands, npm install scripts)
    STARTUP = "startup"  # at every interpreter start (.pth)
    LOAD = "load"  # when the module is imported or required (module level, and the functions it calls)
    CALL = "call"  # only when someone calls it

    @property
    def early(self) -> bool:
        """Runs without anyone calling the package's code: install, start-up or load time."""
        return self is not Reach.CALL


# Data tags (`Fact.data`): where the data that reaches a fact comes from.
SECRET = "secret"  # a secret-named environment variable, a credential file, or the whole environment
ENV = "env"  # an environment variable
ENV_DUMP = "env-dump"  # the whole environment
SECRET_FILE = "secret-file"  # a credential or secret store's content
HOST_INFO = "host-info"  # host name, user name, working directory, OS details
REMOTE = "remote"  # downloaded data
REMOTE_FILE = "remote-file"  # a file written with downloaded data (or a decoded payload)
DECODED = "decoded"  # data out of a decoder
WEBHOOK = "webhook"  # a chat webhook or bot URL
SECRET_PATH = "secret-path"  # a path naming a credential store


@dataclass(frozen=True)
class Fact:
    """One thing a file's code does, located."""

    kind: Kind
    line: int
    api: str = ""  # the call that does it ("requests.post", "child_process.exec")
    data: frozenset[str] = frozenset()  # the data tags that reach it
    text: str = ""  # what it concerns: a command line, a path, a literal, a marker's description
    flags: frozenset[str] = frozenset()  # qualifiers the rules read (see each rule)
    chain: tuple[str, ...] = ()  # the decoding layers the code came out of
    snippet: str = ""  # the source line, escaped
    reach: Reach = Reach.CALL
    top: bool = False  # at module level of its file itself (or an IIFE), not in a function it calls
    via: str = ""  # how the data got there, worked into the message (", which sends it (line 12)")
    note: str = ""  # appended to the message (" (inside the decoded payload, line 3)")
    owner: str = ""  # the function it is in ("" at module level): reachability is resolved by it
    lang: str = "python"  # the front-end that saw it: "python", "javascript", "shell"

    def at(self, line: int, note: str = "", chain: tuple[str, ...] | None = None) -> Fact:
        """The same fact placed at `line` (a decoded payload's facts on the line that runs it), `note` added."""
        return replace(self, line=line, note=self.note + note, chain=self.chain if chain is None else chain)


@dataclass(frozen=True)
class CodeHit:
    """One finding inside one file."""

    rule: str
    severity: Severity
    confidence: Confidence
    line: int
    message: str
    snippet: str = ""
    chain: tuple[str, ...] = ()  # the decoding layers a payload came out of ("base64", "zlib", ...)


@dataclass
class FileReport:
    """What one file's code can do (capabilities), what it does (facts) and what the rules found in it (hits)."""

    path: str
    capabilities: set[str] = field(default_factory=set)
    hits: list[CodeHit] = field(default_factory=list)
    parsed: bool = True
    partial: str = ""  # why the file was only partly analysed (a size limit), "" when it was analysed whole
    facts: list[Fact] = field(default_factory=list)
