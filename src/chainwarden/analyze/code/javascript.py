"""Static analysis of one JavaScript file (``.js``, ``.cjs``, ``.mjs``): what it can do, and what looks malicious.

The file is parsed with tree-sitter (an error-tolerant parser: a file with syntax errors still
gives a tree for everything around them), never loaded or run. Names are resolved through
``require``/``import`` (also ``require('node:fs')``, ``await import(...)``, strings folded from
literals), aliases and destructuring (``const {exec: e} = require('child_process')``),
``global['ev' + 'al']`` and the string arrays of obfuscator.io output, whose rotation is
emulated (never run) so that ``_0x1a2b(0x107)`` reads ``'https'``. Values are followed by
variable inside each function and the module (flow-insensitive taint, closures included,
callbacks of network and file calls, the module's own functions summarised once), so that a
secret that reaches a network or DNS call, a download that reaches ``eval`` or a process, or a
decoded literal that reaches ``eval``/``Function``/``vm`` is a finding, and one capability alone
(``https.request`` in an HTTP client) is not. Encoded literals (``Buffer.from(s, 'base64')``,
``atob``, hex, zlib) are decoded here, bounded, and the result analyzed again with the decoding
chain kept.

Files larger than `MAX_PARSE_BYTES`, and minified files larger than `MAX_MINIFIED_BYTES`, get a
light scan (obfuscator.io markers, the plain decode-and-eval and download-and-run patterns)
instead of a full parse: vendor bundles are big and say little.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import ipaddress
import json
import math
import re
import shlex
import threading
import urllib.parse
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import tree_sitter
import tree_sitter_javascript

from chainwarden.analyze.code.facts import REMOTE_FILE, CodeHit, Fact, FileReport, Kind, Reach
from chainwarden.analyze.code.patterns import PERSISTENCE, SECRET_ENV, SECRET_PATHS, WEBHOOK
from chainwarden.analyze.code.python_ast import HIDDEN_WHITESPACE, MAX_DECODED, MAX_LAYERS
from chainwarden.analyze.code.rules import Context, evaluate
from chainwarden.analyze.code.text import DOWNLOAD_RUN, ENV_IN_SHELL, NET_TOOL, REVERSE_SHELL, command_facts
from chainwarden.analyze.code.text import secret_path as _secret_path
from chainwarden.model import Confidence, Severity, printable

Node = tree_sitter.Node

JS_SUFFIXES = (".js", ".cjs", ".mjs")
MAX_PARSE_BYTES = 2 * 1024 * 1024  # larger files get the light scan
MAX_MINIFIED_BYTES = 512 * 1024  # minified files (long lines) larger than this get the light scan
MINIFIED_LINE = 1000  # average characters per line from which a file counts as minified
MAX_STRING = 1024 * 1024  # longest string folded from literals
MAX_ARRAY = 20_000  # longest obfuscator string array emulated
MAX_SUMMARY_NESTING = 4  # functions summarised inside the summary of another function

_LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())
_PARSERS = threading.local()

FUNCTION_TYPES = frozenset({"function_declaration", "function_expression", "arrow_function", "generator_function",
                            "generator_function_declaration", "method_definition", "function"})
_SKIP_CHILDREN = frozenset({"comment", "number", "regex", "property_identifier", "identifier", "string_fragment",
                            "escape_sequence", "shorthand_property_identifier", "private_property_identifier",
                            "statement_identifier", "this", "super", "true", "false", "null", "undefined",
                            "hash_bang_line", "html_comment"})

# --------------------------------------------------------------------------- what names mean

NETWORK = frozenset({
    "http.request", "http.get", "https.request", "https.get", "http2.connect", "net.connect", "net.createConnection",
    "net.Socket", "tls.connect", "dgram.createSocket", "fetch", "XMLHttpRequest", "WebSocket", "ws", "ws.WebSocket",
    "axios", "axios.get", "axios.post", "axios.put", "axios.patch", "axios.delete", "axios.request", "got", "got.get",
    "got.post", "got.put", "request", "request.get", "request.post", "needle", "needle.get", "needle.post",
    "needle.request", "superagent.get", "superagent.post", "undici.request", "undici.fetch", "phin", "bent",
    "navigator.sendBeacon",
})
SEND_METHODS = frozenset({"write", "end", "send", "sendto"})
DNS = frozenset({"dns.lookup", "dns.resolve", "dns.resolve4", "dns.resolve6", "dns.resolveAny", "dns.resolveTxt",
                 "dns.resolveCname", "dns.resolveMx", "dns.resolveNs", "dns.resolveSrv", "dns.resolveSoa",
                 "dns.lookupService"})
DNS_METHODS = frozenset({"resolve", "resolve4", "resolve6", "resolveAny", "resolveTxt", "resolveCname", "resolveMx",
                         "resolveNs", "resolveSrv"})
PROCESS = frozenset({
    "child_process.exec", "child_process.execSync", "child_process.spawn", "child_process.spawnSync",
    "child_process.execFile", "child_process.execFileSync", "child_process.fork", "child_process.spawn.sync",
    "execa", "execa.execa", "execa.execaSync", "execa.sync", "execa.command", "execa.commandSync",
    "execa.execaCommand", "execa.execaCommandSync", "execa.$", "shelljs.exec",
})
SHELL_STRING = frozenset({"child_process.exec", "child_process.execSync", "execa.command", "execa.commandSync",
                          "execa.execaCommand", "execa.execaCommandSync", "shelljs.exec"})
CODE = frozenset({"eval", "Function", "vm.runInThisContext", "vm.runInNewContext", "vm.runInContext", "vm.Script",
                  "vm.compileFunction", "vm.SourceTextModule", "setTimeout", "setInterval", "execScript"})
FS_READ = {"fs.readFileSync": 0, "fs.readFile": 0, "fs.createReadStream": 0, "fs.readJson": 0, "fs.readJsonSync": 0,
           "fs.readJSON": 0, "fs.readJSONSync": 0, "fs.readdirSync": 0, "fs.readdir": 0, "fs.opendirSync": 0,
           "fs.copyFileSync": 0, "fs.copyFile": 0}
FS_WRITE = {"fs.writeFileSync": 0, "fs.writeFile": 0, "fs.appendFileSync": 0, "fs.appendFile": 0,
            "fs.createWriteStream": 0, "fs.outputFile": 0, "fs.outputFileSync": 0, "fs.writeJson": 0,
            "fs.writeJsonSync": 0, "fs.outputJson": 0, "fs.outputJsonSync": 0, "fs.copyFileSync": 1,
            "fs.copyFile": 1, "fs.cpSync": 1, "fs.cp": 1, "fs.copySync": 1, "fs.copy": 1}
PATH_CALLS = frozenset({"path.join", "path.resolve", "path.normalize", "path.posix.join", "path.win32.join",
                        "path.posix.resolve", "path.win32.resolve", "String", "upath.join"})
HOST_INFO = frozenset({"os.hostname", "os.userInfo", "os.networkInterfaces"})
HOME = frozenset({"os.homedir", "process.env.HOME", "process.env.USERPROFILE", "os.userInfo.homedir"})
DECODER_ENCODINGS = {"base64": "base64", "base64url": "base64", "hex": "hex"}
ZLIB = {"zlib.inflateSync": "zlib", "zlib.unzipSync": "zlib", "zlib.gunzipSync": "gzip", "zlib.inflateRawSync": "deflate"}
SHELLS = re.compile(r"^(/usr)?(/bin/)?(ba|z|da|k)?sh$|^cmd(\.exe)?$|^powershell(\.exe)?$|^pwsh$", re.IGNORECASE)
_MODULES = {"node-fetch": "fetch", "cross-fetch": "fetch", "isomorphic-fetch": "fetch", "fs-extra": "fs",
            "graceful-fs": "fs", "fs/promises": "fs", "dns/promises": "dns", "cross-spawn": "child_process.spawn",
            "shelljs": "shelljs"}
_GLOBAL_OBJECTS = frozenset({"global", "globalThis", "window", "self"})
_CREDENTIAL_KEY = re.compile(r"^(authorization|proxy-authorization|auth|token|access_?token|api_?key|api-key|x-api-key|"
                             r"x-auth-token|x-access-token|private-token|password|passphrase|bearer|bearer_?token)$",
                             re.IGNORECASE)
_BOOLEAN_OPERATORS = frozenset({"!", "typeof", "void", "delete", "===", "!==", "==", "!=", "<", ">", "<=", ">=",
                                "instanceof", "in"})

# --------------------------------------------------------------------------- shell commands

PUBLISH = re.compile(r"\b(npm|pnpm|yarn)\b[^|;&\n]*\bpublish\b")
_LOCAL_SUFFIX = re.compile(r"^\.?(local|localdomain|lan|home|internal|localhost|home\.arpa)\.?$", re.IGNORECASE)
_OBF_NAME = re.compile(r"\b_0x[0-9a-f]{4,6}\b")
_ROTATION = re.compile(r"\[\s*['\"]push['\"]\s*\]\s*\(\s*[\w$]+\s*\[\s*['\"]shift['\"]\s*\]\s*\(\s*\)\s*\)"
                       r"|while\s*\(\s*!!\[\]\s*\)")
_PUSH_SHIFT = re.compile(r"\[\s*['\"]push['\"]\s*\]\s*\(\s*[\w$]+\s*\[\s*['\"]shift['\"]\s*\]")
_JS_CODE = re.compile(r"\brequire\s*\(\s*['\"]|\bimport\s*\(|\beval\s*\(|\bnew\s+Function\b|\bprocess\.(env|exit|argv)\b|"
                      r"\bmodule\.exports\b|\bchild_process\b|\bfunction\s*[\w$]*\s*\([^)]*\)\s*\{|=>\s*\{|"
                      r"\b(const|let|var)\s+[\w$]+\s*=")
_JS_DANGER = re.compile(r"child_process|\beval\s*\(|new\s+Function|process\.env|require\s*\(\s*['\"](node:)?"
                        r"(https?|net|dns|tls|dgram|vm)['\"]|\bfetch\s*\(|\.npmrc|\.ssh|/api/webhooks/")


def _escape(text: str, limit: int = 160) -> str:
    return printable(text.strip()[: limit + 1], limit)  # cut first: escaping never shortens, lines can be megabytes


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- literals


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescape(seq: str) -> str:
    """One JavaScript escape sequence (``\\x41``, ``\\u{1F600}``, ``\\n``, a line continuation, ...)."""
    c = seq[1:2]
    try:
        if c in _ESCAPES and len(seq) == 2:
            return _ESCAPES[c]
        if c == "x" and len(seq) == 4:
            return chr(int(seq[2:4], 16))
        if c == "u":
            code = int(seq[2:].strip("{}"), 16)
            return chr(code) if code < 0x110000 else ""
        if c in "\r\n\u2028\u2029":
            return ""
        if c.isdigit():
            return chr(int(seq[1:], 8)) if all(ch in "01234567" for ch in seq[1:]) else seq[1:]
    except ValueError:
        return seq[1:]
    return seq[1:]


def _number(text: str) -> float | None:
    t = text.replace("_", "").rstrip("n")
    try:
        if t[:2].lower() == "0x":
            return float(int(t, 0))
        if t[:2].lower() == "0o":
            return float(int(t, 0))
        if t[:2].lower() == "0b":
            return float(int(t, 0))
        if len(t) > 1 and t[0] == "0" and t.isdigit():
            return float(int(t, 8)) if all(ch in "01234567" for ch in t) else float(t)
        return float(t)
    except ValueError:
        return None


def _js_str(value: float) -> str:
    """A JavaScript number as String(n) prints it (integers without the '.0')."""
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return str(int(value)) if value == int(value) and abs(value) < 1e21 else repr(value)


def _parse_int(text: str) -> float:
    m = re.match(r"\s*([+-]?\d+)", text)
    return float(int(m.group(1))) if m else float("nan")


def _decode(kind: str, data: bytes) -> bytes | None:
    try:
        if kind == "base64":
            cleaned = re.sub(rb"[^A-Za-z0-9+/_-]", b"", data)
            return base64.b64decode(cleaned.replace(b"-", b"+").replace(b"_", b"/") + b"=" * (-len(cleaned) % 4))
        if kind == "hex":
            cleaned = re.sub(rb"\s", b"", data)
            return binascii.unhexlify(cleaned[: len(cleaned) // 2 * 2])
        if kind in ("zlib", "gzip", "deflate"):
            wbits = {"zlib": zlib.MAX_WBITS | 32, "gzip": zlib.MAX_WBITS | 16, "deflate": -zlib.MAX_WBITS}[kind]
            return zlib.decompressobj(wbits).decompress(data, MAX_DECODED)
    except (ValueError, binascii.Error, zlib.error):
        return None
    return None


def _looks_like_js(payload: bytes) -> bool:
    text = payload[:8192].decode("utf-8", "replace")
    if text.count("\ufffd") > len(text) // 20:
        return False
    return len({m.group(0)[:6] for m in _JS_CODE.finditer(text)}) >= 2


def _is_public_ip(host: str) -> bool:
    """A literal IPv4/IPv6 address that is not loopback, private, link-local, multicast or unspecified.
    Documentation ranges count as public: they stand for public addresses in examples and samples."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    private = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified or \
            any(ip in ipaddress.ip_network(n) for n in private if ip.version == ipaddress.ip_network(n).version):
        return False
    return not (ip.version == 4 and str(ip).startswith(("0.", "255.")))


def _url_ip(text: str) -> str | None:
    m = re.match(r"^\s*(?:(?:https?|wss?|ftp|tcp)://)?(\[[0-9a-fA-F:]+\]|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:[/?#]|$)",
                 text)
    return m.group(1) if m and _is_public_ip(m.group(1)) else None


# --------------------------------------------------------------------------- obfuscator.io string arrays


def _rc4(key: str, data: str) -> str:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + ord(key[i % len(key)])) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = []
    for ch in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(chr(ord(ch) ^ s[(s[i] + s[j]) % 256]))
    return "".join(out)


def _obf_b64(text: str) -> str:
    """obfuscator.io's string-array base64: a lower-case-first alphabet, then UTF-8."""
    raw = re.sub(r"[^A-Za-z0-9+/]", "", text.swapcase())
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return ""


@dataclass
class _StringDecoder:
    array: str  # the name of the string array (function or variable)
    offset: int
    variant: str  # "plain", "base64", "rc4"


class _StringArrays:
    """obfuscator.io's string array: the array, its decoder functions and their aliases, and the rotation,
    emulated (bounded) so that decoder calls with literal indexes fold to their strings."""

    def __init__(self) -> None:
        self.arrays: dict[str, list[str]] = {}
        self.decoders: dict[str, _StringDecoder] = {}
        self.rotated = False

    def lookup(self, name: str, index: float, key: str | None) -> str | None:
        dec = self.decoders.get(name)
        if dec is None or dec.array not in self.arrays or math.isnan(index):
            return None
        arr = self.arrays[dec.array]
        i = int(index) - dec.offset
        if not 0 <= i < len(arr):
            return None
        value = arr[i]
        if dec.variant == "base64":
            return _obf_b64(value)
        if dec.variant == "rc4":
            return _rc4(key, _obf_b64(value)) if key else None
        return value


# --------------------------------------------------------------------------- the analysis


@dataclass(eq=False)
class _Binding:
    qual: str | None = None  # the module or API the name stands for ("child_process.exec", "process.env")
    tags: set[str] = field(default_factory=set)
    string: str | None = None  # the constant string it holds, when every part is a literal
    decoded: tuple[bytes, tuple[str, ...]] | None = None  # the payload a decoder of literals gave it
    pieces: list[str] = field(default_factory=list)  # the literal pieces of a path or command expression
    func: Node | None = None  # the function it names (for summaries)
    array: list[str] | None = None  # a literal array of strings


class _Scope:
    __slots__ = ("fn", "level", "names")

    def __init__(self, fn: int | None, level: int = 0) -> None:
        self.names: dict[str, _Binding] = {}  # written only through JavaScriptAnalyzer.put (it keeps the name index)
        self.fn = fn
        self.level = level  # its position in the scope stack


@dataclass
class _Summary:
    """What a function of the file does with its parameters: parameter indexes that reach each sink."""

    returns: set[str] = field(default_factory=set)
    reads: set[int] = field(default_factory=set)
    sends: set[int] = field(default_factory=set)
    execs: set[int] = field(default_factory=set)
    runs: set[int] = field(default_factory=set)
    resolves: set[int] = field(default_factory=set)
    lines: dict[str, int] = field(default_factory=dict)


def _parser() -> tree_sitter.Parser:
    parser: tree_sitter.Parser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = tree_sitter.Parser(_LANGUAGE)
        _PARSERS.parser = parser
    return parser


class JavaScriptAnalyzer:
    def __init__(self, path: str, text: str, *, chain: tuple[str, ...] = (), line_offset: int = 0, depth: int = 0,
                 install_time: bool = False, entry: bool = False, load: bool = True) -> None:
        self.path, self.text, self.chain, self.offset, self.depth = path, text, chain, line_offset, depth
        self.src = text.encode("utf-8", "surrogatepass")
        self.lines = text.splitlines()
        self.install_time, self.entry, self.load = install_time, entry, load
        self.report = FileReport(path)
        self.scopes: list[_Scope] = [_Scope(None)]
        # name -> the open scopes that declare it, outermost first: a lookup is one dict access, not a walk down
        # a scope stack that deeply nested callbacks make thousands of scopes tall (that walk was quadratic)
        self.visible: dict[str, list[_Scope]] = {}
        self.iife_ids: set[int] = set()  # function literals called where they stand (_iife_ids)
        self.var_declarators: set[int] = set()  # declarators of `var` statements: they bind in the function's scope
        self.fn_scopes: list[_Scope] = []  # the open function scopes, innermost last
        self.function_depth = 0 if load else 1
        self.fn_kinds: list[bool] = []  # for each open function: does it count as a function (False: an IIFE)
        self.callback_tags: dict[int, set[str]] = {}
        self.building: dict[int, _Summary] = {}
        self.summaries: dict[int, _Summary] = {}
        self.summarising: set[int] = set()
        self.quiet = 0
        self.analyzed: set[int] = set()  # decoder calls whose payload was analyzed already
        self.strings = _StringArrays()
        self.load_effects: list[tuple[str, int, str]] = []
        self.publishes: list[Fact] = []  # npm publish calls, judged with what else the file does (finish)
        self.manifest_writes: list[int] = []
        self.self_copy = False
        self.sockets = False
        self.shells: list[tuple[int, str]] = []
        self.pipes = False
        self.load_functions: set[int] = set()  # the file's functions that module-level code calls
        self.in_load_function = 0
        self.load_entered: list[int] = []
        self._enter = {
            "program": self._enter_block, "statement_block": self._enter_block, "class_body": self._enter_block,
            "call_expression": self._enter_call, "new_expression": self._enter_call,
            "for_in_statement": self._enter_for, "catch_clause": self._enter_catch,
            "import_statement": self._enter_import, "string": self._enter_string,
            "template_string": self._enter_template, "class_declaration": self._enter_class,
            "variable_declaration": self._enter_var,
        }
        for t in FUNCTION_TYPES:
            self._enter[t] = self._enter_function
        self._exit = {
            "variable_declarator": self._exit_declarator, "assignment_expression": self._exit_assignment,
            "augmented_assignment_expression": self._exit_augmented, "call_expression": self._exit_call,
            "statement_block": self._exit_block,
            "new_expression": self._exit_call, "return_statement": self._exit_return,
        }
        for t in FUNCTION_TYPES:
            self._exit[t] = self._exit_function

    # -- helpers ---------------------------------------------------------------------
    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    @property
    def at_load(self) -> bool:
        """Code here runs when the file is loaded (module level, an IIFE, a function module-level code calls)
        or at install time."""
        return self.install_time or self.function_depth == 0

    @property
    def at_module_level(self) -> bool:
        """Module level itself (or an IIFE), not a function it calls; or install time."""
        return self.install_time or (self.function_depth == 0 and self.in_load_function == 0)

    def text_of(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def _line(self, node: Node) -> int:
        return node.start_point.row + 1 + self.offset

    def _snippet(self, node: Node) -> str:
        row = node.start_point.row
        line = self.lines[row] if 0 <= row < len(self.lines) else ""
        if len(line.strip()) <= 200:
            return _escape(line)
        return _escape(self.text_of(node)[:400])

    def _reach(self) -> tuple[Reach, bool]:
        """When the code being walked runs, and whether it is module level itself (not a function it calls)."""
        top = self.function_depth == 0 and self.in_load_function == 0
        if self.install_time:
            return Reach.INSTALL, top
        return (Reach.LOAD if self.function_depth == 0 else Reach.CALL), top

    def fact(self, kind: Kind, node: Node, *, api: str = "", data: Iterable[str] = (), text: str = "",
             flags: Iterable[str] = (), via: str = "") -> Fact | None:
        """Record what the code at `node` does (the rules judge it); nothing while a function is only summarised."""
        if self.quiet:
            return None
        reach, top = self._reach()
        f = Fact(kind, self._line(node), api, frozenset(data), text, frozenset(flags), self.chain, self._snippet(node),
                 reach, top, via, lang="javascript")
        self.report.facts.append(f)
        return f

    def capability(self, name: str) -> None:
        if not self.quiet:
            self.report.capabilities.add(name)

    def lookup(self, name: str) -> _Binding | None:
        declaring = self.visible.get(name)
        return declaring[-1].names[name] if declaring else None

    def put(self, scope: _Scope, name: str, b: _Binding) -> _Binding:
        """Declare `name` in `scope` (an open scope) as `b`; the one way bindings are written."""
        if name not in scope.names:
            declaring = self.visible.setdefault(name, [])
            bisect.insort(declaring, scope, key=lambda s: s.level)
        scope.names[name] = b
        return b

    def push_scope(self, fn: int | None) -> None:
        scope = _Scope(fn, len(self.scopes))
        self.scopes.append(scope)
        if fn is not None:
            self.fn_scopes.append(scope)

    def pop_scope(self) -> None:
        scope = self.scopes.pop()
        for name in scope.names:
            declaring = self.visible[name]
            if declaring[-1] is scope:  # always, as the innermost open scope is the one closing
                declaring.pop()
            else:
                declaring.remove(scope)
            if not declaring:
                del self.visible[name]
        if scope.fn is not None and self.fn_scopes and self.fn_scopes[-1] is scope:
            self.fn_scopes.pop()

    def binding(self, name: str, *, declare: bool, scope: _Scope | None = None) -> _Binding:
        if declare:
            where = scope or self.scope
            return where.names.get(name) or self.put(where, name, _Binding())
        return self.lookup(name) or self.put(self.scopes[0], name, _Binding())

    def _function_scope(self) -> _Scope:
        return self.fn_scopes[-1] if self.fn_scopes else self.scopes[0]

    # -- names -----------------------------------------------------------------------
    def qual(self, node: Node | None, budget: int = 40) -> str | None:
        """The dotted name an expression means, through require/import, aliases and folded keys."""
        if node is None or budget <= 0:
            return None
        t = node.type
        if t == "identifier":
            name = self.text_of(node)
            b = self.lookup(name)
            if b is not None:
                return b.qual
            return "global" if name in _GLOBAL_OBJECTS else name
        if t in ("member_expression", "subscript_expression"):
            obj = node.child_by_field_name("object")
            if t == "member_expression":
                prop_node = node.child_by_field_name("property")
                prop = self.text_of(prop_node) if prop_node is not None else None
            else:
                prop = self.fold(node.child_by_field_name("index"))
            if prop is None:
                return None
            if prop == "constructor":
                inner = self.qual(obj, budget - 1) if obj is not None and obj.type in (
                    "member_expression", "subscript_expression") else None
                if inner is not None and inner.endswith(".constructor"):
                    return "Function"  # [].constructor.constructor, (async () => {}).constructor
                if obj is not None and obj.type in FUNCTION_TYPES | {"parenthesized_expression"}:
                    return "Function"
                return f"{inner or 'value'}.constructor"
            base = self.qual(obj, budget - 1)
            if base is None:
                return None
            if base == "global":
                return prop if prop not in _GLOBAL_OBJECTS else "global"
            if base in ("fs", "dns") and prop == "promises":
                return base
            if base in ("require", "module.require", "process.mainModule.require") and prop == "main":
                return "require.main"
            return f"{base}.{prop}"
        if t == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is None:
                return None
            fq = "import" if fn.type == "import" else self.qual(fn, budget - 1)
            first = args.named_children[0] if args is not None and args.named_child_count else None
            if fq in ("require", "module.require", "process.mainModule.require", "import", "global.require") \
                    and first is not None:
                mod = self.fold(first)
                return _module(mod) if mod is not None else None
            if fq in ("Function", "eval") and first is not None and (self.fold(first) or "").replace(" ", "") in (
                    "returnthis", "returnthis;", "this", "returnglobalThis"):
                return "global"
            if fq == "Object.getPrototypeOf" and first is not None and first.type in FUNCTION_TYPES:
                return "Function.prototype"
            return None
        if t in ("parenthesized_expression", "await_expression", "non_null_expression", "sequence_expression"):
            kids = node.named_children
            return self.qual(kids[-1], budget - 1) if kids else None
        return None

    # -- constant folding ----------------------------------------------------------------
    def fold(self, node: Node | None, budget: int = 200) -> str | None:
        value = self._fold_any(node, budget)
        if isinstance(value, str):
            return value
        if isinstance(value, float):
            return _js_str(value)
        return None

    def _fold_any(self, node: Node | None, budget: int = 200) -> str | float | list[str] | None:
        """The constant an expression evaluates to when it is built only from literals (bounded)."""
        if node is None or budget <= 0:
            return None
        t = node.type
        if t == "string":
            return self._string_literal(node)
        if t == "number":
            return _number(self.text_of(node))
        if t == "template_string":
            parts: list[str] = []
            for c in node.named_children:
                if c.type == "string_fragment":
                    parts.append(self.text_of(c))
                elif c.type == "escape_sequence":
                    parts.append(_unescape(self.text_of(c)))
                elif c.type == "template_substitution":
                    inner = c.named_children
                    s = self.fold(inner[0], budget - 1) if inner else None
                    if s is None:
                        return None
                    parts.append(s)
            return "".join(parts)
        if t == "identifier":
            b = self.lookup(self.text_of(node))
            if b is None:
                return None
            if b.array is not None:
                return list(b.array)
            return b.string
        if t == "parenthesized_expression":
            inner = node.named_children
            return self._fold_any(inner[-1], budget - 1) if inner else None
        if t == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is None or self.text_of(op) != "+":
                return None
            left = self._fold_any(node.child_by_field_name("left"), budget // 2)
            right = self._fold_any(node.child_by_field_name("right"), budget // 2)
            if isinstance(left, float) and isinstance(right, float):
                return left + right
            if isinstance(left, str | float) and isinstance(right, str | float):
                out = (left if isinstance(left, str) else _js_str(left)) + (
                    right if isinstance(right, str) else _js_str(right))
                return out if len(out) <= MAX_STRING else None
            return None
        if t == "unary_expression":
            op = node.child_by_field_name("operator")
            arg = self._fold_any(node.child_by_field_name("argument"), budget - 1)
            if op is not None and self.text_of(op) == "-" and isinstance(arg, float):
                return -arg
            return None
        if t == "array":
            items: list[str] = []
            for c in node.named_children:
                v = self._fold_any(c, budget - 1) if len(items) < MAX_ARRAY else None
                if isinstance(v, float):
                    v = _js_str(v)
                if not isinstance(v, str):
                    return None
                items.append(v)
            return items
        if t == "subscript_expression":
            obj = self._fold_any(node.child_by_field_name("object"), budget - 1)
            idx = self._fold_any(node.child_by_field_name("index"), budget - 1)
            if isinstance(obj, list | str) and isinstance(idx, float) and idx == int(idx) and 0 <= idx < len(obj):
                return obj[int(idx)]
            return None
        if t == "call_expression":
            return self._fold_call(node, budget)
        return None

    def _string_literal(self, node: Node) -> str:
        parts = []
        for c in node.named_children:
            if c.type == "string_fragment":
                parts.append(self.text_of(c))
            elif c.type == "escape_sequence":
                parts.append(_unescape(self.text_of(c)))
            elif c.type == "html_character_reference":
                parts.append(self.text_of(c))
        return "".join(parts)

    def _fold_call(self, node: Node, budget: int) -> str | float | list[str] | None:
        fn = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        args = args_node.named_children if args_node is not None else []
        if fn is None:
            return None
        if fn.type == "identifier":
            name = self.text_of(fn)
            if name in self.strings.decoders and args:
                index = self._fold_any(args[0], budget - 1)
                key = self.fold(args[1], budget - 1) if len(args) > 1 else None
                return self.strings.lookup(name, index, key) if isinstance(index, float) else None
            if name == "parseInt" and args:
                s = self.fold(args[0], budget - 1)
                return _parse_int(s) if s is not None else None
            if name in ("decodeURIComponent", "unescape", "decodeURI") and args:
                s = self.fold(args[0], budget - 1)
                return urllib.parse.unquote(s) if s is not None else None
            if name == "String" and args:
                return self.fold(args[0], budget - 1)
        q = self.qual(fn)
        if q == "String.fromCharCode" or q == "String.fromCodePoint":
            codes: list[float] = []
            for a in args:
                if a.type == "spread_element" and a.named_children:
                    v = self._fold_numbers(a.named_children[0], budget - 1)
                    if v is None:
                        return None
                    codes += v
                else:
                    n = self._fold_any(a, budget - 1)
                    if not isinstance(n, float):
                        return None
                    codes.append(n)
            try:
                return "".join(chr(int(c) % 0x110000) for c in codes)
            except (ValueError, OverflowError):
                return None
        decoded = self.decode_call(node)
        if decoded is not None:
            return decoded[0].decode("utf-8", "replace")
        if fn.type == "member_expression":
            prop_node = fn.child_by_field_name("property")
            method = self.text_of(prop_node) if prop_node is not None else ""
            recv = self._fold_any(fn.child_by_field_name("object"), budget // 2)
            if recv is None:
                return None
            vals = [self._fold_any(a, budget // 4) for a in args]
            return _fold_method(recv, method, vals)
        return None

    def _fold_numbers(self, node: Node, budget: int) -> list[float] | None:
        if node.type != "array":
            return None
        out: list[float] = []
        for c in node.named_children:
            v = self._fold_any(c, budget)
            if not isinstance(v, float):
                return None
            out.append(v)
        return out

    def decode_call(self, node: Node | None, depth: int = 0) -> tuple[bytes, tuple[str, ...]] | None:
        """Decode a decoder call whose input is a literal (or another decoder call), bounded."""
        if node is None or depth > MAX_LAYERS:
            return None
        if node.type == "identifier":
            b = self.lookup(self.text_of(node))
            return b.decoded if b is not None else None
        if node.type in ("parenthesized_expression", "await_expression"):
            kids = node.named_children
            return self.decode_call(kids[-1], depth) if kids else None
        if node.type not in ("call_expression", "new_expression"):
            return None
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args_node = node.child_by_field_name("arguments")
        args = args_node.named_children if args_node is not None else []
        if fn is None:
            return None
        if fn.type == "member_expression":
            prop_node = fn.child_by_field_name("property")
            if prop_node is not None and self.text_of(prop_node) in ("toString", "toLocaleString"):
                return self.decode_call(fn.child_by_field_name("object"), depth)
        q = self.qual(fn)
        kind: str | None = None
        if q in ("Buffer.from", "Buffer", "buffer.Buffer.from", "buffer.Buffer") and args:
            enc = self.fold(args[1]) if len(args) > 1 else "utf8"
            if enc is None:
                return None
            kind = DECODER_ENCODINGS.get(enc.lower())
            if kind is None:
                return self.decode_call(args[0], depth + 1)  # Buffer.from(atob(s)): the inner layer
        elif q == "atob" and args:
            kind = "base64"
        elif q in ZLIB and args:
            kind = ZLIB[q]
        if kind is None or not args:
            return None
        inner = self.decode_call(args[0], depth + 1)
        if inner is not None:
            data, chain = inner
        else:
            s = self.fold(args[0])
            if s is None:
                return None
            data, chain = s.encode("latin-1", "replace"), ()
        out = _decode(kind, data)
        return (out, (*chain, kind)) if out is not None else None

    # -- path and command pieces ------------------------------------------------------
    def pieces(self, node: Node | None, budget: int = 300) -> list[str]:
        """The literal pieces of a path or command expression, in order; the home folder as '~'."""
        out: list[str] = []
        if node is None:
            return out
        stack = [node]
        while stack and budget > 0:
            n = stack.pop()
            budget -= 1
            t = n.type
            if t == "string":
                s = self._string_literal(n)
                if len(s) < 300:
                    out.append(s)
                continue
            if t in FUNCTION_TYPES:
                continue
            if t == "identifier":
                name = self.text_of(n)
                b = self.lookup(name)
                if b is not None:
                    if b.string is not None and len(b.string) < 300:
                        out.append(b.string)
                    elif b.pieces:
                        out.extend(b.pieces)
                    elif b.qual in HOME:
                        out.append("~")
                elif name in ("__dirname", "__filename"):
                    out.append("<package>")
                continue
            if t in ("call_expression", "member_expression", "subscript_expression"):
                q = self.qual(n.child_by_field_name("function") if t == "call_expression" else n)
                if q in HOME or q == "os.userInfo.homedir":
                    out.append("~")
                    continue
                if q in ("process.cwd", "process.env.INIT_CWD", "process.env.PWD"):
                    out.append("<cwd>")
                    continue
                folded = self.fold(n) if t == "call_expression" else None
                if folded is not None and len(folded) < 300:
                    out.append(folded)
                    continue
                if t != "call_expression":
                    if n.type == "member_expression" and q is not None and q.startswith("os.userInfo"):
                        out.append("~")
                    continue
                fn = n.child_by_field_name("function")
                method = self._method_name(fn) if fn is not None else None
                args = n.child_by_field_name("arguments")
                if q in PATH_CALLS and args is not None:  # what a path is built from; not what a call returns
                    stack.append(args)
                elif method in ("join", "concat", "replace", "toString", "trim") and fn is not None:
                    stack.extend(x for x in (args, fn.child_by_field_name("object")) if x is not None)
                continue
            if t == "template_string":
                for c in reversed(n.named_children):
                    if c.type == "string_fragment":
                        stack.append(c)
                    elif c.type == "template_substitution":
                        stack.extend(reversed(c.named_children))
                continue
            if t == "string_fragment":
                out.append(self.text_of(n))
                continue
            stack.extend(reversed(n.named_children))
        return out

    # -- taint -------------------------------------------------------------------------
    def tags_of(self, node: Node | None, budget: list[int] | None = None, depth: int = 0) -> set[str]:
        """What tainted data an expression carries."""
        tags: set[str] = set()
        if node is None:
            return tags
        if budget is None:
            budget = [3000]
        budget[0] -= 1
        if budget[0] <= 0 or depth > 150:
            return tags
        t = node.type
        if t in FUNCTION_TYPES or t in ("number", "regex", "true", "false", "null", "undefined", "comment"):
            return tags
        if t in ("string", "template_string"):
            text = self.text_of(node)
            if len(text) < 2000:
                if SECRET_PATHS.search(text):
                    tags.add("secret-path")
                if WEBHOOK.search(text):
                    tags.add("webhook")
            if t == "string":
                return tags
        if t == "identifier":
            name = self.text_of(node)
            b = self.lookup(name)
            if b is not None:
                tags |= b.tags
                if b.qual is not None:
                    tags |= _qual_tags(b.qual)
                if b.pieces and SECRET_PATHS.search("/".join(b.pieces)):
                    tags.add("secret-path")
            elif name in ("__filename", "__dirname"):
                tags.add("self-path")
            return tags
        if t in ("member_expression", "subscript_expression"):
            q = self.qual(node)
            if q is not None and (q == "process.env" or q.startswith("process.env.")):
                return _qual_tags(q)
            if t == "subscript_expression":
                obj_q = self.qual(node.child_by_field_name("object"))
                if obj_q == "process.env":
                    key_tags = self.tags_of(node.child_by_field_name("index"), budget, depth + 1)
                    return {"env", "secret", "env-dump"} if "env-keys" in key_tags else {"env"}
            if q is not None and q in HOST_INFO:
                return {"host-info"}
        if t in ("call_expression", "new_expression"):
            return self._call_tags(node, budget, depth)
        if t == "pair":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            tags = self.tags_of(value, budget, depth + 1)
            if key is not None and _CREDENTIAL_KEY.match(self.text_of(key).strip("'\"`")):
                tags = _as_credential(tags)
            return tags
        if t == "ternary_expression":
            for field_name in ("consequence", "alternative"):
                tags |= self.tags_of(node.child_by_field_name(field_name), budget, depth + 1)
            return tags
        if t == "unary_expression" or t == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and self.text_of(op) in _BOOLEAN_OPERATORS:
                return tags  # a comparison, a negation, typeof: a boolean or a type name, not the data
        for c in node.named_children:
            tags |= self.tags_of(c, budget, depth + 1)
        return tags

    def _call_tags(self, node: Node, budget: list[int], depth: int) -> set[str]:
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args_node = node.child_by_field_name("arguments")
        args = args_node.named_children if args_node is not None else []
        q = self.qual(fn) if fn is not None else None
        tags: set[str] = set()
        if q is not None:
            if q in NETWORK:
                return {"remote", "netreq"}
            if q in PROCESS:
                return {"proc"}
            if q in HOST_INFO:
                return {"host-info"}
            if q in ("require", "import"):
                return tags
            if q in ("Object.keys", "Object.getOwnPropertyNames", "Reflect.ownKeys") and args and \
                    self.qual(args[0]) == "process.env":
                return {"env", "env-keys"}
            if q in ("dns.Resolver",):
                return {"resolver"}
            if q in ("crypto.createDecipher", "crypto.createDecipheriv", "crypto.privateDecrypt", "crypto.publicDecrypt"):
                return {"decoded"}  # decrypted data: what .update()/.final() give
            if q in FS_READ and args:
                path = self.pieces(args[FS_READ[q]])
                if SECRET_PATHS.search("/".join(path)) or "secret-path" in self.tags_of(args[FS_READ[q]], budget, depth + 1):
                    tags |= {"secret", "secret-file"}
                if "remote-file" in self.tags_of(args[0], budget, depth + 1):
                    tags.add("remote")
                return tags
            if q in CODE:
                return tags
            if (q in ("Buffer.from", "atob", "Buffer") or q in ZLIB) and self._decoding(q, args):
                tags.add("decoded")
        if fn is not None and fn.type == "identifier":
            b = self.lookup(self.text_of(fn))
            if b is not None and b.func is not None:
                summary = self.summary_of(b.func)
                if summary is not None:
                    return self._apply_returns(summary, args, budget, depth)
        if fn is not None and fn.type in ("member_expression", "subscript_expression"):
            tags |= self.tags_of(fn.child_by_field_name("object"), budget, depth + 1)
        for a in args:
            tags |= self.tags_of(a, budget, depth + 1)
        return tags

    def _decoding(self, q: str, args: list[Node]) -> bool:
        if q == "atob" or q in ZLIB:
            return True
        enc = self.fold(args[1]) if len(args) > 1 else None
        return enc is not None and enc.lower() in DECODER_ENCODINGS

    def _apply_returns(self, summary: _Summary, args: list[Node], budget: list[int], depth: int) -> set[str]:
        tags: set[str] = set()
        for tag in summary.returns:
            if tag.startswith("param:"):
                i = int(tag.rsplit(":", 1)[1])
                if i < len(args):
                    tags |= self.tags_of(args[i], budget, depth + 1)
            else:
                tags.add(tag)
        for i in summary.reads:
            if i < len(args) and (SECRET_PATHS.search("/".join(self.pieces(args[i]))) or
                                  "secret-path" in self.tags_of(args[i], budget, depth + 1)):
                tags |= {"secret", "secret-file"}
        return tags

    def summary_of(self, func: Node) -> _Summary | None:
        """What a function of this file does with its parameters, computed once (quietly when ahead of its turn)."""
        done = self.summaries.get(func.id)
        if done is not None:
            return done
        if func.id in self.summarising or func.id in self.building or len(self.summarising) >= MAX_SUMMARY_NESTING:
            return None
        self.summarising.add(func.id)
        self.quiet += 1
        saved_depth, saved_kinds = self.function_depth, self.fn_kinds
        self.fn_kinds = list(saved_kinds)
        try:
            self.walk(func)
        finally:
            self.quiet -= 1
            self.summarising.discard(func.id)
            self.function_depth, self.fn_kinds = saved_depth, saved_kinds
        return self.summaries.get(func.id)

    def _param_flows(self, tags: set[str], kind: str, node: Node) -> None:
        """Record that parameters of the enclosing functions reach a sink of `kind`."""
        for tag in tags:
            if tag.startswith("param:"):
                _, fid, idx = tag.split(":")
                summary = self.building.get(int(fid))
                if summary is not None:
                    getattr(summary, kind).add(int(idx))
                    summary.lines.setdefault(kind, self._line(node))

    # -- the walk ------------------------------------------------------------------------
    def walk(self, root: Node) -> None:
        stack: list[tuple[Node, bool]] = [(root, False)]
        enter, leave = self._enter, self._exit
        while stack:
            node, done = stack.pop()
            t = node.type
            if done:
                leave[t](node)
                continue
            handler = enter.get(t)
            if handler is not None and handler(node) is False:
                continue
            if t in leave:
                stack.append((node, True))
            children = node.named_children
            for c in reversed(children):
                if c.type not in _SKIP_CHILDREN:
                    stack.append((c, False))

    def _enter_block(self, node: Node) -> bool:
        """A block is a scope for let/const; hoisting: function declarations and var/let/const names are
        known from the top of their block (var's in the function's scope)."""
        if node.type == "statement_block":
            self.push_scope(None)
        for c in node.named_children:
            ct = c.type
            if ct in ("function_declaration", "generator_function_declaration"):
                name = c.child_by_field_name("name")
                if name is not None:
                    b = self.binding(self.text_of(name), declare=True)
                    b.func = c
            elif ct in ("lexical_declaration", "variable_declaration"):
                target = self.scope if ct == "lexical_declaration" else self._function_scope()
                for d in c.named_children:
                    if d.type == "variable_declarator":
                        name_node = d.child_by_field_name("name")
                        if name_node is not None and name_node.type == "identifier":
                            self.binding(self.text_of(name_node), declare=True, scope=target)
        return True

    def _exit_block(self, node: Node) -> None:
        self.pop_scope()

    def _enter_class(self, node: Node) -> bool:
        name = node.child_by_field_name("name")
        if name is not None:
            self.binding(self.text_of(name), declare=True)
        return True

    def _is_iife(self, node: Node) -> bool:
        return node.id in self.iife_ids

    def _enter_function(self, node: Node) -> bool:
        called = node.id in self.load_functions and self.function_depth == 0
        iife = self._is_iife(node) or called
        if called:
            self.in_load_function += 1
            self.load_entered.append(node.id)
        self.fn_kinds.append(not iife)
        if not iife:
            self.function_depth += 1
        self.push_scope(node.id)
        self.building[node.id] = _Summary()
        extra = self.callback_tags.pop(node.id, set())
        name = node.child_by_field_name("name")
        if name is not None and node.type in ("function_expression", "generator_function", "function"):
            self.binding(self.text_of(name), declare=True).func = node
        params = node.child_by_field_name("parameters")
        plist = params.named_children if params is not None else []
        single = node.child_by_field_name("parameter")
        if single is not None:
            plist = [single]
        for i, p in enumerate(plist):
            for pname in _pattern_names(self, p):
                b = self.binding(pname, declare=True)
                b.tags.add(f"param:{node.id}:{i}")
                b.tags |= extra
        return True

    def _exit_function(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        summary = self.building.pop(node.id, None)
        if summary is not None and body is not None and body.type != "statement_block":
            summary.returns |= self.tags_of(body)
        if summary is not None:
            summary.returns = {t for t in summary.returns if not t.startswith("param:") or
                               t.startswith(f"param:{node.id}:")}
            self.summaries[node.id] = summary
        self.pop_scope()
        if self.fn_kinds and self.fn_kinds.pop():
            self.function_depth -= 1
        if self.load_entered and self.load_entered[-1] == node.id:
            self.load_entered.pop()
            self.in_load_function -= 1

    def _exit_return(self, node: Node) -> None:
        values = node.named_children
        if not values:
            return
        scope = self._function_scope()
        if scope.fn is not None and scope.fn in self.building:
            self.building[scope.fn].returns |= self.tags_of(values[0])

    def _enter_catch(self, node: Node) -> bool:
        param = node.child_by_field_name("parameter")
        if param is not None:
            for name in _pattern_names(self, param):
                self.binding(name, declare=True)
        return True

    def _enter_for(self, node: Node) -> bool:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return True
        keys = any(c.type == "in" for c in node.children)
        if keys and self.qual(right) == "process.env":
            tags = {"env", "env-keys"}
        else:
            tags = self.tags_of(right)
        declare = any(c.type in ("const", "let", "var") for c in node.children)
        for name in _pattern_names(self, left):
            b = self.binding(name, declare=declare)
            b.tags |= tags
        return True

    def _enter_import(self, node: Node) -> bool:
        source = node.child_by_field_name("source")
        module = self.fold(source) if source is not None else None
        if module is None:
            return False
        module = _module(module)
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for c in clause.named_children:
                if c.type == "identifier":  # default import
                    self.binding(self.text_of(c), declare=True).qual = module
                elif c.type == "namespace_import":
                    for n in c.named_children:
                        self.binding(self.text_of(n), declare=True).qual = module
                elif c.type == "named_imports":
                    for spec in c.named_children:
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is not None and alias is not None:
                            imported = self.fold(name) if name.type == "string" else self.text_of(name)
                            local = self.text_of(alias)
                            self.binding(local, declare=True).qual = module if imported == "default" else \
                                _normalise(f"{module}.{imported}")
        return False

    def _enter_string(self, node: Node) -> bool:
        if node.end_byte - node.start_byte > 12 and WEBHOOK.search(self.text_of(node)):
            self.capability("webhook")
            self.fact(Kind.WEBHOOK_URL, node)
        return False

    def _enter_template(self, node: Node) -> bool:
        self._enter_string(node)
        return True

    def _enter_call(self, node: Node) -> bool:
        """Callbacks of network, file and process calls get the call's data in their parameters."""
        args = node.child_by_field_name("arguments")
        if args is None or args.type != "arguments":
            return True
        fns = [a for a in args.named_children if a.type in FUNCTION_TYPES]
        if not fns:
            return True
        tags = {t for t in self.tags_of(node) if not t.startswith("param:")}
        if tags:
            for f in fns:
                self.callback_tags[f.id] = tags
        return True

    # -- declarations and assignments -----------------------------------------------------
    def _enter_var(self, node: Node) -> bool:
        self.var_declarators.update(d.id for d in node.named_children if d.type == "variable_declarator")
        return True

    def _exit_declarator(self, node: Node) -> None:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is None:
            return
        where = self._function_scope() if node.id in self.var_declarators else self.scope
        if name.type == "identifier":
            self._assign(self.text_of(name), value, declare=True, scope=where)
        elif value is not None:
            self._destructure(name, value, declare=True, scope=where)

    def _exit_assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        if left.type == "identifier":
            self._assign(self.text_of(left), right, declare=False)
        elif left.type in ("member_expression", "subscript_expression"):
            root = _root_identifier(left)
            if root is not None and root not in ("module", "exports", "process", "this", "window", "global"):
                tags = self.tags_of(right)
                if _CREDENTIAL_KEY.match(self._method_name(left) or ""):
                    tags = _as_credential(tags)
                if tags:
                    self.binding(root, declare=False).tags |= tags
        elif left.type in ("object_pattern", "array_pattern"):
            self._destructure(left, right, declare=False)

    def _exit_augmented(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        root = left.type == "identifier" and self.text_of(left) or _root_identifier(left)
        if not root:
            return
        b = self.binding(root, declare=False)
        b.tags |= self.tags_of(right)
        if left.type == "identifier":
            folded = self.fold(right)
            b.string = b.string + folded if b.string is not None and folded is not None and \
                len(b.string) + len(folded) <= MAX_STRING else None
            b.pieces = b.pieces + self.pieces(right)
            b.decoded = None

    def _assign(self, name: str, value: Node | None, *, declare: bool, scope: _Scope | None = None) -> None:
        b = self.binding(name, declare=declare, scope=scope)
        if value is None:
            return
        b.tags |= self.tags_of(value)
        vt = value.type
        if vt in FUNCTION_TYPES:
            b.func = value
            return
        if vt in ("identifier", "member_expression", "subscript_expression", "call_expression",
                  "parenthesized_expression", "await_expression", "sequence_expression"):
            q = self.qual(value)
            if q is not None:
                b.qual = q
        folded = self._fold_any(value)
        if isinstance(folded, list):
            b.array, b.string = folded, None
        else:
            b.string = folded if isinstance(folded, str) else None
        b.decoded = self.decode_call(value)
        b.pieces = self.pieces(value) if vt not in ("object", "array") else b.pieces

    def _destructure(self, pattern: Node, value: Node, *, declare: bool, base: str | None = None,
                     tags: set[str] | None = None, scope: _Scope | None = None) -> None:
        if base is None:
            base = self.qual(value)
        if tags is None:
            tags = self.tags_of(value) if base != "process.env" else set()  # named keys: judged one by one below
        for c in pattern.named_children:
            ct = c.type
            key: str | None = None
            target: Node | None = None
            if ct in ("shorthand_property_identifier_pattern", "identifier"):
                key, target = self.text_of(c), c
            elif ct == "object_assignment_pattern":
                left = c.child_by_field_name("left")
                if left is not None:
                    key, target = self.text_of(left), left
            elif ct == "pair_pattern":
                k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
                if k is not None:
                    key = self.fold(k) if k.type in ("string", "computed_property_name") else self.text_of(k)
                if v is not None and v.type == "assignment_pattern":
                    v = v.child_by_field_name("left")
                target = v
            elif ct in ("rest_pattern", "assignment_pattern"):
                rest = _qual_tags(base) if base == "process.env" and ct == "rest_pattern" else tags
                for n in _pattern_names(self, c):
                    self.binding(n, declare=declare, scope=scope).tags |= rest
                continue
            if target is None:
                continue
            q = _normalise(f"{base}.{key}") if base is not None and key is not None and pattern.type == "object_pattern" \
                else None
            if target.type in ("object_pattern", "array_pattern"):
                self._destructure(target, value, declare=declare, base=q, tags=tags, scope=scope)
                continue
            name = self.text_of(target)
            b = self.binding(name, declare=declare, scope=scope)
            b.tags |= tags
            if q is not None:
                b.qual = q
                b.tags |= _qual_tags(q)

    # -- calls: the sinks ------------------------------------------------------------------
    def _exit_call(self, node: Node) -> None:
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args_node = node.child_by_field_name("arguments")
        if fn is None or args_node is None or args_node.type != "arguments":
            return
        args = args_node.named_children
        q = self.qual(fn)
        method = self._method_name(fn) or ""
        if q is not None and q.endswith((".call", ".apply")) and q.rsplit(".", 1)[0] in CODE | PROCESS | NETWORK:
            q, args = q.rsplit(".", 1)[0], args[1:]  # eval.call(null, code)
        if method in ("push", "unshift", "set", "add", "concat", "assign"):
            self._mutate(fn, q, args)
        if method == "_compile" and args:  # Module.prototype._compile(code, filename): what require does with a file
            self._code(node, "module._compile", args)
        if method and any(a.type in ("identifier", "member_expression") and self.qual(a) in CODE for a in args):
            self._code_callback(node, fn, args)  # fetch(u).then(r => r.text()).then(eval)
        if q is None:
            if method:
                self._method_sink(node, fn, method, args)
            elif fn.type == "identifier":
                self._local_call(node, fn, args)
            return
        if q in NETWORK:
            self._network(node, q, args)
        elif q in DNS:
            self._dns(node, q, args)
        elif q in PROCESS:
            self._process(node, q, args)
        elif q in CODE:
            self._code(node, q, args)
        elif q in FS_READ or q in FS_WRITE:
            self._file(node, q, args)
        elif q in ("Buffer.from", "Buffer", "atob") or q in ZLIB:
            self._decoder(node)
        elif method:
            self._method_sink(node, fn, method, args)
        if q in FS_WRITE and q in FS_READ:  # copyFile reads one path and writes another
            pass
        if fn.type == "identifier" and q not in NETWORK | DNS | PROCESS | CODE:
            self._local_call(node, fn, args)
        if q == "Object.assign" and args and args[0].type == "identifier":
            self.binding(self.text_of(args[0]), declare=False).tags |= set().union(*(self.tags_of(a) for a in args[1:]))

    def _method_name(self, fn: Node) -> str | None:
        """``x.name(...)`` and ``x['name'](...)``: the method's name."""
        if fn.type == "member_expression":
            prop = fn.child_by_field_name("property")
            return self.text_of(prop) if prop is not None else None
        if fn.type == "subscript_expression":
            return self.fold(fn.child_by_field_name("index"))
        return None

    def _code_callback(self, node: Node, fn: Node, args: list[Node]) -> None:
        """eval or Function passed as a callback: it runs whatever the receiver hands it."""
        self.capability("dynamic-code")
        obj = fn.child_by_field_name("object")
        tags = self.tags_of(obj) if obj is not None else set()
        name = next(self.qual(a) for a in args if self.qual(a) in CODE) or ""
        if "remote" in tags:
            self.fact(Kind.EXEC, node, api=name, data={"remote"}, flags=("callback",))
        elif "decoded" in tags:
            self.fact(Kind.EXEC, node, api=name, data={"decoded"}, flags=("callback",))

    def _mutate(self, fn: Node, q: str | None, args: list[Node]) -> None:
        obj = fn.child_by_field_name("object")
        root = _root_identifier(obj) if obj is not None else None
        if root is None or not args or root in ("module", "exports", "Object"):
            return
        added: set[str] = set()
        for a in args:
            added |= self.tags_of(a)
        if added:
            self.binding(root, declare=False).tags |= added

    def _local_call(self, node: Node, fn: Node, args: list[Node]) -> None:
        """A call to one of the file's own functions: what its summary says it does with each argument."""
        b = self.lookup(self.text_of(fn))
        if b is None or b.func is None:
            return
        summary = self.summary_of(b.func)
        if summary is None:
            return
        name = self.text_of(fn)
        for i in sorted(summary.reads):
            if i < len(args):
                path = "/".join(self.pieces(args[i]))
                self._param_flows(self.tags_of(args[i]), "reads", node)
                if SECRET_PATHS.search(path):
                    self._credential(node, path, f" through {name}() (line {summary.lines.get('reads', 0)})")
        for i in sorted(summary.sends):
            if i < len(args):
                tags = self.tags_of(args[i])
                self._param_flows(tags, "sends", node)
                self._sent(node, f"{name}()", tags, via=f", which sends it (line {summary.lines.get('sends', 0)})")
        for i in sorted(summary.execs):
            if i < len(args):
                self._param_flows(self.tags_of(args[i]), "execs", node)
                self._code_argument(node, f"{name}()", args[i], via=f" (passed to {name}(), which runs it)")
        for i in sorted(summary.runs):
            if i < len(args):
                self._param_flows(self.tags_of(args[i]), "runs", node)
                self._command(node, f"{name}()", [args[i]], "child_process.exec")
        for i in sorted(summary.resolves):
            if i < len(args):
                self._param_flows(self.tags_of(args[i]), "resolves", node)
                self._resolved(node, f"{name}()", args[i])

    def _method_sink(self, node: Node, fn: Node, method: str, args: list[Node]) -> None:
        """Methods of objects made by network, DNS and process calls: req.end(data), socket.write(data), ..."""
        obj = fn.child_by_field_name("object")
        if obj is None:
            return
        recv = self.tags_of(obj)
        if method in SEND_METHODS and "netreq" in recv and args:
            tags: set[str] = set()
            for a in args:
                tags |= self.tags_of(a)
            self._param_flows(tags, "sends", node)
            self._sent(node, f".{method}()", tags)
        elif method == "pipe" and args:
            dest = self.tags_of(args[0])
            if "netreq" in dest and recv & {"secret"}:
                self._sent(node, ".pipe()", recv)
            if ("proc" in recv and "netreq" in dest) or ("netreq" in recv and "proc" in dest):
                self.pipes = True
            if "remote" in recv and args[0].type == "call_expression":
                q = self.qual(args[0].child_by_field_name("function"))
                inner = args[0].child_by_field_name("arguments")
                if q == "fs.createWriteStream" and inner is not None and inner.named_children:
                    self._mark_remote_file(inner.named_children[0])
            elif "remote" in recv and args[0].type == "identifier":
                b = self.lookup(self.text_of(args[0]))
                if b is not None and b.pieces:
                    b.tags.add("remote-file")
        elif method in DNS_METHODS | {"lookup"} and "resolver" in recv and args:
            self._dns(node, f"dns.Resolver.{method}", args)
        elif method == "connect" and "netreq" in recv:
            self.sockets = True
            if args:
                self._raw_ip(node, "socket.connect", args)

    def _mark_remote_file(self, path: Node) -> None:
        root = _root_identifier(path) if path.type != "identifier" else self.text_of(path)
        if root:
            self.binding(root, declare=False).tags.add("remote-file")

    def _sent(self, node: Node, what: str, tags: set[str], via: str = "") -> None:
        """Data leaves over the network: what it carries decides the finding (the rules')."""
        if tags & {"webhook", "secret", "host-info"}:
            self.fact(Kind.SEND, node, api=what, data=tags, via=via)

    def _network(self, node: Node, q: str, args: list[Node]) -> None:
        self.capability("network")
        if q in ("net.connect", "net.createConnection", "net.Socket", "tls.connect", "dgram.createSocket"):
            self.sockets = True
        if self.at_module_level and not self.quiet:
            self.load_effects.append(("network", self._line(node), self._snippet(node)))
        tags: set[str] = set()
        for a in args:
            tags |= self.tags_of(a)
        self._param_flows(tags, "sends", node)
        self._sent(node, q, tags)
        self._raw_ip(node, q, args)

    def _raw_ip(self, node: Node, q: str, args: list[Node]) -> None:
        hosts: list[str] = []
        for a in args[:3]:
            if a.type == "object":
                for pair in a.named_children:
                    k = pair.child_by_field_name("key")
                    if pair.type == "pair" and k is not None and self.text_of(k).strip("'\"") in ("host", "hostname", "url"):
                        v = self.fold(pair.child_by_field_name("value"))
                        if v is not None:
                            hosts.append(v)
            else:
                v = self.fold(a)
                if v is not None:
                    hosts.append(v)
                elif a.type in ("template_string", "binary_expression"):
                    hosts.append("".join(self.pieces(a)))
        for h in hosts:
            ip = _url_ip(h)
            if ip is not None:
                self.fact(Kind.CONNECT_IP, node, api=q, text=ip)
                return

    def _dns(self, node: Node, q: str, args: list[Node]) -> None:
        self.capability("dns")
        if self.at_module_level and not self.quiet:
            self.load_effects.append(("dns", self._line(node), self._snippet(node)))
        if args:
            self._param_flows(self.tags_of(args[0]), "resolves", node)
            self._resolved(node, q, args[0])

    def _resolved(self, node: Node, q: str, host: Node) -> None:
        tags = self.tags_of(host)
        built = self._built_hostname(host)
        if "secret" in tags or built:
            self.fact(Kind.RESOLVE, node, api=q, data=tags, flags=("built-host",) if built else ())

    def _built_hostname(self, node: Node) -> bool:
        if node.type not in ("template_string", "binary_expression", "call_expression") or self.fold(node) is not None:
            return False
        constants = self.pieces(node)
        domainish = any("." in c and re.search(r"[A-Za-z]", c) and not _LOCAL_SUFFIX.match(c) for c in constants)
        return domainish

    def _process(self, node: Node, q: str, args: list[Node]) -> None:
        self.capability("process")
        if self.at_module_level and not self.quiet:
            self.load_effects.append(("process", self._line(node), self._snippet(node)))
        if not args:
            return
        self._param_flows(self.tags_of(args[0]), "runs", node)
        self._command(node, q, args, q)

    def _command(self, node: Node, q: str, args: list[Node], kind: str) -> None:
        first = args[0]
        pieces = self.pieces(first)
        folded = self.fold(first)
        words = [folded] if folded is not None else pieces
        if len(args) > 1 and args[1].type == "array" and kind not in SHELL_STRING:
            for a in args[1].named_children:
                s = self.fold(a)
                words.append(s if s is not None else " ".join(self.pieces(a)))
        text = " ".join(w for w in words if w)
        tags = self.tags_of(first)
        if len(args) > 1 and args[1].type == "array":
            tags |= self.tags_of(args[1])
        if folded is not None and first.type not in ("string", "template_string") and re.search(
                r"fromCharCode|fromCodePoint", self.text_of(first)):
            self.fact(Kind.OBFUSCATION, node, api=q, flags=("chr-command",),
                      text=f"the command for {q} is spelled with character codes: {_escape(folded, 100)}")
        runs = tags if first.type in ("identifier", "member_expression", "template_string", "binary_expression") \
            else tags - {REMOTE_FILE}
        run = self.fact(Kind.RUN, node, api=q, data=runs, text=text)
        if run is not None:
            derived = command_facts(text, run)
            self.report.facts += derived
            if any(f.kind is Kind.READ for f in derived):
                self.capability("credential-files")
        if NET_TOOL.search(text) and "secret" in tags:
            self.fact(Kind.SEND, node, api=q, data=tags, flags=("command",),
                      text=f"secret or environment data is passed to a network command run with {q}")
        if PUBLISH.search(text) or (words and words[0].rsplit("/", 1)[-1] in ("npm", "pnpm", "yarn") and "publish" in words):
            reach, top = self._reach()
            if not self.quiet:
                self.publishes.append(Fact(Kind.PUBLISH, self._line(node), q, flags=frozenset({"secret"} & tags),
                                           chain=self.chain, snippet=self._snippet(node), reach=reach, top=top,
                                           lang="javascript"))
        cmd0 = (words[0].split() or [""])[0] if words else ""
        if SHELLS.match(cmd0) and not any(w.strip() in ("-c", "/c", "-Command") for w in words[1:]) and \
                (len(words) == 1 or any(w.strip() in ("-i", "") for w in words[1:])):
            self.shells.append((self._line(node), self._snippet(node)))

    def _code(self, node: Node, q: str, args: list[Node]) -> None:
        if not args:
            return
        if q in ("setTimeout", "setInterval") and self.fold(args[0]) is None and self.decode_call(args[0]) is None and \
                not self.tags_of(args[0]) & {"remote", "decoded"}:
            return  # a function (the usual case), not a string of code
        self.capability("dynamic-code")
        code = args[-1] if q == "Function" else args[0]
        self._param_flows(self.tags_of(code), "execs", node)
        self._code_argument(node, q, code)

    def _code_argument(self, node: Node, q: str, arg: Node, via: str = "") -> None:
        name = q.rsplit(".", 1)[-1]
        decoded = self.decode_call(arg)
        tags = self.tags_of(arg)
        if decoded is not None:
            payload, chain = decoded
            self.fact(Kind.EXEC, node, api=name, data=tags, flags=("decoded-literal",), text=" → ".join(chain), via=via)
            if arg.id not in self.analyzed and _inner_call_id(arg) not in self.analyzed:
                self._analyze_payload(payload, chain, node)
            return
        if tags & {"remote", "decoded"}:
            self.fact(Kind.EXEC, node, api=name, data=tags, via=via)
            return
        literal = self.fold(arg)
        if literal is not None:
            self.fact(Kind.EXEC, node, api=name, data=tags, flags=("literal",), via=via)
            if len(literal) > 20:
                self._analyze_payload(literal.encode("utf-8", "replace"), ("string literal",), node)
            return
        self.fact(Kind.EXEC, node, api=name, data=tags, flags=("computed",), via=via)

    def _decoder(self, node: Node) -> None:
        decoded = self.decode_call(node)
        if decoded is None or node.id in self.analyzed:
            return
        payload, chain = decoded
        if len(payload) >= 64 and _looks_like_js(payload):
            self.analyzed.add(node.id)
            before = len(self.report.facts)
            self._analyze_payload(payload, chain, node)
            inner = evaluate(self.report.facts[before:], Context(self.path, "javascript"))
            text = payload[:MAX_DECODED].decode("utf-8", "replace")
            serious = any(h.severity.rank >= Severity.MEDIUM.rank for h in inner) or _JS_DANGER.search(text)
            self.fact(Kind.ENCODED, node, text=" → ".join(chain), flags=("serious",) if serious else ())

    def _analyze_payload(self, payload: bytes, chain: tuple[str, ...], node: Node) -> None:
        if self.depth >= MAX_LAYERS or self.quiet:
            return
        text = payload[:MAX_DECODED].decode("utf-8", "replace")
        line = self._line(node)
        inner = analyze_javascript(self.path, text, chain=(*self.chain, *chain), line_offset=line - 1,
                                   depth=self.depth + 1, install_time=self.install_time, load=self.at_load, judge=False)
        self.report.facts += [f.at(line, f" (inside the decoded payload, line {f.line - line + 1})")
                              for f in inner.facts if f.kind is not Kind.UNPARSEABLE]
        self.report.capabilities |= inner.capabilities

    def _credential(self, node: Node, path: str, via: str = "") -> None:
        self.capability("credential-files")
        # SDKs and SSH or npm clients read these inside functions; at load or install time nobody should.
        # Config readers (npm's prefix from ~/.npmrc) run from functions a module calls; module level or install
        # time is where nobody should.
        self.fact(Kind.READ, node, text=_escape(_secret_path(path) or path, 60), flags=("secret-path",), via=via)

    def _file(self, node: Node, q: str, args: list[Node]) -> None:
        if not args:
            return
        if q in FS_READ:
            arg = args[FS_READ[q]] if FS_READ[q] < len(args) else args[0]
            self._param_flows(self.tags_of(arg), "reads", node)
            path = "/".join(self.pieces(arg))
            if SECRET_PATHS.search(path):
                self._credential(node, path)
            if "self-path" in self.tags_of(arg) and q.startswith("fs.copy"):
                self.self_copy = True
        if q not in FS_WRITE:
            return
        index = FS_WRITE[q]
        if index >= len(args):
            return
        target = args[index]
        path = "/".join(self.pieces(target))
        if PERSISTENCE.search(path):
            self.capability("persistence")
            self.fact(Kind.WRITE, node, api=q, text=_escape(path, 60), flags=("persistence",))
        if path.endswith("package.json") and "<package>" not in path.split("/")[0:1]:
            self.manifest_writes.append(self._line(node))
        if q.startswith(("fs.copy", "fs.cp")) and args and "self-path" in self.tags_of(args[0]):
            self.self_copy = True
        content = args[index + 1] if index + 1 < len(args) and index == 0 else None
        if content is not None:
            ctags = self.tags_of(content)
            if "remote" in ctags:
                self._mark_remote_file(target)
            text = self.fold(content)
            if text is not None and len(text) > 40 and _looks_like_js(text.encode("utf-8", "replace")):
                self._analyze_payload(text.encode("utf-8", "replace"), ("written to a file",), node)

    # -- the file as a whole ----------------------------------------------------------------
    def finish(self, root: Node) -> None:
        also = {"manifest-write"} if self.manifest_writes else set()
        also |= {"self-copy"} if self.self_copy else set()
        self.report.facts += [replace(f, flags=f.flags | also) for f in self.publishes]
        if self.shells and self.sockets and self.pipes:
            line, snippet = self.shells[0]
            self.report.capabilities.add("reverse-shell")
            self.report.facts.append(Fact(Kind.SHELL_SOCKET, line, text="a shell is started and piped to a network socket",
                                          chain=self.chain, snippet=snippet, reach=self._reach()[0], lang="javascript"))
        if (self.entry or self.depth > 0) and not self.install_time and self.load:
            for cap, line, snippet in self.load_effects:
                where = "when the package is loaded" if self.entry else "when the decoded code runs"
                self.report.facts.append(Fact(Kind.LOAD_EFFECT, line, cap, text=where, chain=self.chain, snippet=snippet,
                                              reach=Reach.LOAD, top=True, lang="javascript"))
        self.report.facts += obfuscation_facts(self.text, self.offset, self.chain)


def _load_functions(analyzer: JavaScriptAnalyzer, root: Node) -> set[int]:
    """The top-level functions that module-level code calls (``async function main() {...} main();``), and
    the ones they call in turn: their bodies run when the file is loaded, like module-level code."""
    top: dict[str, Node] = {}
    statements: list[Node] = []
    body = list(root.named_children)
    if len(body) <= 3:  # one IIFE around everything: its statements are the module's
        for c in list(body):
            inner = _iife_body(c)
            if inner is not None:
                body += inner.named_children
    for c in body:
        if c.type in ("function_declaration", "generator_function_declaration"):
            name = c.child_by_field_name("name")
            if name is not None:
                top[analyzer.text_of(name)] = c
            continue
        if c.type in ("lexical_declaration", "variable_declaration"):
            funcs = [d for d in c.named_children if d.type == "variable_declarator" and
                     (d.child_by_field_name("value") or d).type in FUNCTION_TYPES]
            for d in funcs:
                name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
                if name is not None and value is not None:
                    top[analyzer.text_of(name)] = value
            if len(funcs) == len(c.named_children):
                continue
        statements.append(c)
    if not top or len(top) > 2000:
        return set()
    pattern = re.compile(r"(?<![\w$.])(" + "|".join(re.escape(n) for n in top) + r")\s*\(")
    todo = [_text_outside_functions(analyzer, st) for st in statements if st.end_byte - st.start_byte < MAX_PARSE_BYTES]
    called: set[str] = set()
    while todo:
        for name in pattern.findall(todo.pop()):
            if name not in called:
                called.add(name)
                todo.append(analyzer.text_of(top[name]))
    return {top[n].id for n in called}


def _iife_ids(root: Node) -> set[int]:
    """The function literals that are called where they stand: ``(function(){})()``, ``(() => {})()``,
    ``(function(){}).call(this)``. One pass with a cursor: asking each function node for its parents would
    cost the depth of the tree each time (tree-sitter nodes keep no parent pointer)."""
    out: set[int] = set()
    cursor = root.walk()
    while True:
        node = cursor.node
        if node is not None and node.type == "call_expression":
            fn = node.child_by_field_name("function")
            while fn is not None and fn.type == "parenthesized_expression":
                fn = fn.named_children[0] if fn.named_children else None
            if fn is not None and fn.type == "member_expression":
                prop = fn.child_by_field_name("property")
                if prop is not None and prop.text in (b"call", b"apply"):
                    fn = fn.child_by_field_name("object")
                    while fn is not None and fn.type == "parenthesized_expression":
                        fn = fn.named_children[0] if fn.named_children else None
            if fn is not None and fn.type in FUNCTION_TYPES:
                out.add(fn.id)
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


def _text_outside_functions(analyzer: JavaScriptAnalyzer, node: Node) -> str:
    """A statement's text without the function literals in it (callbacks it defines, not calls)."""
    parts: list[str] = []
    at = node.start_byte
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in FUNCTION_TYPES and not analyzer._is_iife(n):
            parts.append(analyzer.src[at:n.start_byte].decode("utf-8", "replace"))
            at = n.end_byte
            continue
        stack.extend(reversed(n.named_children))
    parts.append(analyzer.src[at:node.end_byte].decode("utf-8", "replace"))
    return " ".join(parts)


def _iife_body(node: Node) -> Node | None:
    n: Node | None = node.named_children[0] if node.type == "expression_statement" and node.named_children else None
    while n is not None and n.type in ("unary_expression", "parenthesized_expression", "await_expression"):
        n = n.named_children[-1] if n.named_children else None
    if n is None or n.type != "call_expression":
        return None
    fn = n.child_by_field_name("function")
    while fn is not None and fn.type == "parenthesized_expression":
        fn = fn.named_children[0] if fn.named_children else None
    if fn is None or fn.type not in FUNCTION_TYPES:
        return None
    return fn.child_by_field_name("body")


def _inner_call_id(node: Node) -> int:
    """The decoder call inside ``x.toString()`` (the node the decoder visit marked as analyzed)."""
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is not None and fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            if obj is not None:
                return obj.id
    return node.id


def _fold_method(recv: str | float | list[str], method: str, vals: list[str | float | list[str] | None]) -> \
        str | float | list[str] | None:
    """String and array methods over folded constants (split/reverse/join, replace, slice, ...)."""
    def s(i: int, default: str | None = None) -> str | None:
        v = vals[i] if i < len(vals) else None
        if isinstance(v, float):
            return _js_str(v)
        return v if isinstance(v, str) else default

    def n(i: int, default: float | None = None) -> int | None:
        v = vals[i] if i < len(vals) else default
        return int(v) if isinstance(v, float) and not math.isnan(v) and abs(v) < 1e12 else None

    if isinstance(recv, list):
        if method == "join":
            sep = s(0, ",")
            return sep.join(recv) if sep is not None else None
        if method == "reverse":
            return list(reversed(recv))
        if method == "concat":
            extra = [v for v in vals if isinstance(v, list)]
            return recv + [x for e in extra for x in e] if len(extra) == len(vals) else None
        if method == "slice":
            a, b = n(0, 0.0), n(1, float(len(recv)))
            return recv[a:b] if a is not None and b is not None else None
        return None
    if isinstance(recv, float):
        if method == "toString":
            base = n(0, 10.0)
            if base == 10 or base is None:
                return _js_str(recv)
            if base is not None and 2 <= base <= 36 and recv == int(recv) and recv >= 0:
                digits, v, out = "0123456789abcdefghijklmnopqrstuvwxyz", int(recv), ""
                while True:
                    v, r = divmod(v, base)
                    out = digits[r] + out
                    if not v:
                        return out
        return None
    if method in ("toString", "valueOf", "trim", "toLowerCase", "toUpperCase", "trimStart", "trimEnd"):
        return {"toString": recv, "valueOf": recv, "trim": recv.strip(), "toLowerCase": recv.lower(),
                "toUpperCase": recv.upper(), "trimStart": recv.lstrip(), "trimEnd": recv.rstrip()}[method]
    if method == "split":
        sep = s(0)
        if sep is None:
            return [recv]
        return list(recv) if sep == "" else recv.split(sep)
    if method in ("replace", "replaceAll"):
        old, new = s(0), s(1)
        if old is None or new is None:
            return None
        return recv.replace(old, new, 1 if method == "replace" else -1)
    if method in ("slice", "substring", "substr"):
        start = n(0, 0.0)
        if start is None:
            return None
        if method == "substr":
            length = n(1, float(len(recv)))
            return recv[start:start + length] if length is not None else None
        end = n(1, float(len(recv)))
        return recv[start:end] if end is not None else None
    if method == "charAt":
        i = n(0, 0.0)
        return recv[i] if i is not None and 0 <= i < len(recv) else ""
    if method == "concat":
        rest = [s(i) for i in range(len(vals))]
        return recv + "".join(r for r in rest if r is not None) if all(r is not None for r in rest) else None
    if method == "repeat":
        k = n(0)
        return recv * k if k is not None and 0 <= k * len(recv) <= MAX_STRING else None
    if method == "charCodeAt":
        i = n(0, 0.0)
        return float(ord(recv[i])) if i is not None and 0 <= i < len(recv) else None
    return None


def _module(name: str) -> str:
    name = name.removeprefix("node:")
    return _MODULES.get(name, name)


def _normalise(q: str) -> str:
    """``fs.promises.readFile`` is ``fs.readFile`` here (and the same for dns)."""
    if q in ("fs.promises", "dns.promises"):
        return q.split(".", 1)[0]
    if q.startswith(("fs.promises.", "dns.promises.")):
        return q.replace(".promises", "", 1)
    return q


def _qual_tags(q: str) -> set[str]:
    """``process.env`` as a whole is the whole environment; one variable is a secret when its name says so."""
    if q == "process.env":
        return {"env", "secret", "env-dump"}
    if q.startswith("process.env."):
        key = q.split(".", 2)[2]
        return {"env", "secret", "secret-env"} if SECRET_ENV.search(key) else {"env"}
    return set()


def _as_credential(tags: set[str]) -> set[str]:
    """A secret-named variable used as an authorization header or password is how a client logs in to a
    service, not a leak; the whole environment or a credential file there is still a secret."""
    if "secret" in tags and not tags & {"env-dump", "secret-file"}:
        return (tags - {"secret", "secret-env"}) | {"credential"}
    return tags


def _root_identifier(node: Node) -> str | None:
    n: Node | None = node
    while n is not None and n.type in ("member_expression", "subscript_expression", "parenthesized_expression"):
        n = n.child_by_field_name("object") if n.type != "parenthesized_expression" else (
            n.named_children[0] if n.named_children else None)
    if n is not None and n.type == "identifier":
        text = n.text
        return text.decode("utf-8", "replace") if text is not None else None
    return None


def _pattern_names(analyzer: JavaScriptAnalyzer, node: Node) -> list[str]:
    """The names a parameter or destructuring pattern binds."""
    t = node.type
    if t in ("identifier", "shorthand_property_identifier_pattern"):
        return [analyzer.text_of(node)]
    out: list[str] = []
    if t == "assignment_pattern" or t == "object_assignment_pattern":
        left = node.child_by_field_name("left")
        return _pattern_names(analyzer, left) if left is not None else out
    if t == "pair_pattern":
        value = node.child_by_field_name("value")
        return _pattern_names(analyzer, value) if value is not None else out
    if t in ("object_pattern", "array_pattern", "rest_pattern"):
        for c in node.named_children:
            out += _pattern_names(analyzer, c)
    return out


# --------------------------------------------------------------------------- obfuscation


def obfuscation_facts(text: str, offset: int = 0, chain: tuple[str, ...] = ()) -> list[Fact]:
    """obfuscator.io output (``_0x`` names, the string-array rotation) and code hidden after long whitespace."""
    hits: list[Fact] = []
    names = _OBF_NAME.findall(text) if "_0x" in text else []
    distinct = set(names)
    rotation = _ROTATION.search(text) if "shift" in text or "!![]" in text else None
    if len(distinct) >= 10 and len(names) >= 30 or (rotation is not None and len(distinct) >= 3):
        first = _OBF_NAME.search(text)
        at = min(m.start() for m in (first, rotation) if m is not None)
        line = text.count("\n", 0, at) + 1
        what = []
        if len(distinct) >= 10:
            what.append(f"{len(distinct)} distinct _0x… identifiers")
        if rotation is not None:
            what.append("a string array rotated by a push/shift loop")
        hits.append(Fact(Kind.OBFUSCATION, line + offset, flags=frozenset({"obfuscator-io"}), chain=chain,
                         text=f"javascript-obfuscator (obfuscator.io) output: {' and '.join(what)}; what it does is "
                              "hidden from readers", snippet=_escape(text[at: at + 160]), reach=Reach.LOAD, top=True,
                         lang="javascript"))
    if len(text) > HIDDEN_WHITESPACE:
        for m in re.finditer(r"(?:^|[^\s*/])[ \t]{" + str(HIDDEN_WHITESPACE) + r",}([^\s*/][^\n]*)", text, re.MULTILINE):
            if re.search(r"(require\(\s*['\"]|eval\(|child_process|Function\(|Buffer\.from\(|process\.env\b)", m.group(1)):
                line = text.count("\n", 0, m.start()) + 1
                col = m.start(1) - (text.rfind("\n", 0, m.start()) + 1)
                hits.append(Fact(Kind.OBFUSCATION, line + offset, flags=frozenset({"hidden-code"}), chain=chain,
                                 text=f"code hidden after {col} characters of a line, most of them whitespace",
                                 snippet=_escape(m.group(1)), reach=Reach.LOAD, top=True, lang="javascript"))
                break
    return hits


def _deobfuscate(analyzer: JavaScriptAnalyzer, root: Node) -> None:
    """Find obfuscator.io's string arrays, decoders and rotation IIFE, and emulate the rotation (bounded)."""
    text = analyzer.text
    if "_0x" not in text and not ("parseInt" in text and _PUSH_SHIFT.search(text)):
        return
    arrays: dict[str, list[str]] = {}
    decoders: dict[str, Node] = {}
    aliases: list[tuple[str, str]] = []
    rotations: list[Node] = []
    stack = [root]
    seen = 0
    while stack and seen < 2_000_000:
        n = stack.pop()
        seen += 1
        t = n.type
        if t in ("function_declaration", "function_expression") or t == "variable_declarator":
            name_node = n.child_by_field_name("name")
            value = n.child_by_field_name("value") if t == "variable_declarator" else n
            if name_node is not None and value is not None:
                name = analyzer.text_of(name_node)
                if value.type == "array" and value.named_child_count >= 3:
                    items = analyzer._fold_any(value)
                    if isinstance(items, list):
                        arrays[name] = items
                elif value.type == "identifier":
                    aliases.append((name, analyzer.text_of(value)))
                elif value.type in ("function_declaration", "function_expression"):
                    body = value.child_by_field_name("body")
                    if body is not None:
                        first_array = _first_of(body, "array")
                        if first_array is not None and first_array.named_child_count >= 3 and \
                                "return" in analyzer.text_of(body)[:200_000]:
                            items = analyzer._fold_any(first_array)
                            if isinstance(items, list) and _returns_itself(analyzer, body, name):
                                arrays[name] = items
                                continue
                        decoders[name] = value
        elif t == "call_expression":
            args = n.child_by_field_name("arguments")
            fn = n.child_by_field_name("function")
            if args is not None and fn is not None and args.named_child_count == 2 and \
                    args.named_children[0].type == "identifier" and args.named_children[1].type == "number":
                inner = fn.named_children[0] if fn.type == "parenthesized_expression" and fn.named_children else fn
                if inner.type in ("function_expression", "function"):
                    rotations.append(n)
        stack.extend(c for c in n.named_children if c.type not in _SKIP_CHILDREN and c.type != "string")
    if not arrays:
        return
    strings = analyzer.strings
    strings.arrays = arrays
    for name, func in decoders.items():
        body_text = analyzer.text_of(func)
        if len(body_text) > 20_000:
            continue
        ref = next((a for a in arrays if re.search(rf"\b{re.escape(a)}\b", body_text)), None)
        m = re.search(r"([\w$]+)\s*=\s*\1\s*-\s*(-?\s*0x[0-9a-fA-F]+|-?\s*\d+)|([\w$]+)\s*-=\s*(0x[0-9a-fA-F]+|\d+)",
                      body_text)
        if ref is None or m is None:
            continue
        number = _number((m.group(2) or m.group(4)).replace(" ", "").lstrip("-"))
        if number is None:
            continue
        offset = int(number) * (-1 if (m.group(2) or "").replace(" ", "").startswith("-") else 1)
        variant = "plain"
        if "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=" in body_text:
            variant = "rc4" if re.search(r"0x100|256", body_text) and "charCodeAt" in body_text else "base64"
        strings.decoders[name] = _StringDecoder(ref, offset, variant)
    changed = True
    while changed:
        changed = False
        for alias, target in aliases:
            if target in strings.decoders and alias not in strings.decoders:
                strings.decoders[alias] = strings.decoders[target]
                changed = True
            if target in arrays and alias not in arrays:
                arrays[alias] = arrays[target]
                changed = True
    for call in rotations:
        _rotate(analyzer, call)


def _first_of(node: Node, kind: str) -> Node | None:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == kind:
            return n
        stack.extend(reversed(n.named_children))
    return None


def _returns_itself(analyzer: JavaScriptAnalyzer, body: Node, name: str) -> bool:
    text = analyzer.text_of(body)
    return bool(re.search(r"\breturn\b", text)) and (name in text or text.count("return") <= 2)


def _rotate(analyzer: JavaScriptAnalyzer, call: Node) -> None:
    """The rotation IIFE: ``(function(getArray, target){ ... push(shift()) until a parseInt checksum
    equals target ... }(array, 0x8e83d))``, or the older ``while(--n)`` form rotating a fixed count."""
    args = call.child_by_field_name("arguments")
    if args is None:
        return
    array_name = analyzer.text_of(args.named_children[0])
    arr = analyzer.strings.arrays.get(array_name)
    target = _number(analyzer.text_of(args.named_children[1]))
    if arr is None or target is None or not 0 < len(arr) <= MAX_ARRAY:
        return
    fn = call.child_by_field_name("function")
    body_text = analyzer.text_of(fn) if fn is not None else ""
    if "push" not in body_text or "shift" not in body_text:
        return
    checksum = _checksum_expression(analyzer, fn) if fn is not None and "parseInt" in body_text else None
    if checksum is None:
        if "parseInt" not in body_text:
            k = int(target) % len(arr)
            analyzer.strings.arrays[array_name] = arr[k:] + arr[:k]
            analyzer.strings.rotated = True
        return
    work = list(arr)
    analyzer.strings.arrays[array_name] = work
    for _ in range(len(arr)):
        try:
            value = _evaluate(analyzer, checksum, 0)
        except (ZeroDivisionError, OverflowError, ValueError):
            value = None
        if value is not None and value == target:
            analyzer.strings.rotated = True
            return
        work.append(work.pop(0))
    analyzer.strings.arrays[array_name] = arr  # the checksum never matched: leave the array as written


def _checksum_expression(analyzer: JavaScriptAnalyzer, fn: Node) -> Node | None:
    stack = [fn]
    while stack:
        n = stack.pop()
        if n.type == "variable_declarator":
            value = n.child_by_field_name("value")
            if value is not None and "parseInt" in analyzer.text_of(value):
                return value
        stack.extend(reversed(n.named_children))
    return None


def _evaluate(analyzer: JavaScriptAnalyzer, node: Node, depth: int) -> float | None:
    """Arithmetic over numbers and parseInt(decoder(n)), as JavaScript doubles."""
    if depth > 100:
        return None
    t = node.type
    if t == "number":
        return _number(analyzer.text_of(node))
    if t == "parenthesized_expression":
        inner = node.named_children
        return _evaluate(analyzer, inner[-1], depth + 1) if inner else None
    if t == "unary_expression":
        sign = node.child_by_field_name("operator")
        arg_node = node.child_by_field_name("argument")
        arg = _evaluate(analyzer, arg_node, depth + 1) if arg_node is not None else None
        if arg is None or sign is None:
            return None
        return -arg if analyzer.text_of(sign) == "-" else arg if analyzer.text_of(sign) == "+" else None
    if t == "binary_expression":
        op_node = node.child_by_field_name("operator")
        ln, rn = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op_node is None or ln is None or rn is None:
            return None
        a, b = _evaluate(analyzer, ln, depth + 1), _evaluate(analyzer, rn, depth + 1)
        if a is None or b is None:
            return None
        op = analyzer.text_of(op_node)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                return float("nan") if a == 0 or math.isnan(a) else float("inf") * (1 if a > 0 else -1)
            return a / b
        if op == "%":
            return float("nan") if b == 0 else math.fmod(a, b)
        return None
    if t == "call_expression":
        value = analyzer._fold_call(node, 50)
        return value if isinstance(value, float) else None
    return None


# --------------------------------------------------------------------------- entry points


_TOLERANT = [
    (re.compile(r"\b(eval|Function)\s*\(\s*(new\s+)?(Buffer(\.from)?|atob)\s*\("), Kind.EXEC,
     "eval/Function of decoded data"),
    (re.compile(r"\b(exec|execSync|spawn|spawnSync)\s*\(\s*['\"`][^'\"`]*\b(curl|wget)\b[^'\"`]*(\|\s*(ba)?sh|&&\s*(ba)?sh)"),
     Kind.FETCH_RUN, "a process downloads and runs code (curl | sh)"),
]


def light_scan(path: str, text: str, *, chain: tuple[str, ...] = (), line_offset: int = 0) -> FileReport:
    """Bundles too large to parse cheaply, and files that do not parse: obfuscator.io markers and the
    plain decode-and-eval and download-and-run patterns, line by line."""
    report = FileReport(path)
    report.facts += obfuscation_facts(text, line_offset, chain)
    report.facts += _tolerant_facts(text, line_offset, chain)
    report.hits = evaluate(report.facts, Context(path, "javascript"))
    return report


def _tolerant_facts(text: str, line_offset: int, chain: tuple[str, ...]) -> list[Fact]:
    out: list[Fact] = []
    for pattern, kind, message in _TOLERANT:
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append(Fact(kind, line + line_offset, "eval", frozenset({"decoded"}) if kind is Kind.EXEC else frozenset(),
                            message, frozenset({"line-scan"}), chain, _escape(text[m.start(): m.start() + 160]),
                            Reach.LOAD, True, lang="javascript"))
            break
    return out


def is_minified(text: str) -> bool:
    lines = text.count("\n") + 1
    return len(text) / lines > MINIFIED_LINE


def analyze_javascript(path: str, text: str, *, install_time: bool = False, entry: bool = False,
                       chain: tuple[str, ...] = (), line_offset: int = 0, depth: int = 0, load: bool = True,
                       judge: bool = True) -> FileReport:
    """Analyze one JavaScript file's text: its facts, and (with `judge`) the rules' findings on them. Never raises
    for bad input.

    `install_time`: an npm install script runs this file (everything in it counts as install-time
    code); `entry`: the package's main module (network at load time is reported).
    """
    report = _analyze(path, text, install_time, entry, chain, line_offset, depth, load)
    if judge:
        report.hits = evaluate(report.facts, Context(path, "javascript"))
    return report


def _analyze(path: str, text: str, install_time: bool, entry: bool, chain: tuple[str, ...], line_offset: int,
             depth: int, load: bool) -> FileReport:
    size = len(text)
    if size > MAX_PARSE_BYTES or (size > MAX_MINIFIED_BYTES and is_minified(text)):
        return light_scan(path, text, chain=chain, line_offset=line_offset)
    analyzer = JavaScriptAnalyzer(path, text, chain=chain, line_offset=line_offset, depth=depth,
                                  install_time=install_time, entry=entry, load=load)
    try:
        tree = _parser().parse(analyzer.src)
    except (ValueError, MemoryError):
        return light_scan(path, text, chain=chain, line_offset=line_offset)
    root = tree.root_node
    try:
        analyzer.iife_ids = _iife_ids(root)
        _deobfuscate(analyzer, root)
        analyzer.load_functions = _load_functions(analyzer, root)
        analyzer.walk(root)
        analyzer.finish(root)
    except RecursionError:
        analyzer.report.facts.append(Fact(Kind.OBFUSCATION, 1 + line_offset, flags=frozenset({"too-deep"}), chain=chain,
                                          text="nested too deeply to analyze", reach=Reach.LOAD, top=True,
                                          lang="javascript"))
    facts = analyzer.report.facts
    if root.has_error and depth == 0:
        analyzer.report.parsed = False
        line = _first_error_line(root) + line_offset
        ctx = Context(path, "javascript")
        seen = {(h.rule, h.line) for h in evaluate(facts, ctx)}
        facts.append(Fact(
            Kind.UNPARSEABLE, line, chain=chain, reach=Reach.LOAD, top=True, lang="javascript",
            text="the file is not valid JavaScript (first error here): it is analyzed as far as it parses, "
                 "and may be hiding code", snippet=_escape(analyzer.lines[line - line_offset - 1])
            if 0 < line - line_offset <= len(analyzer.lines) else ""))
        facts += [f for f in _tolerant_facts(text, line_offset, chain)
                  if not any((h.rule, h.line) in seen for h in evaluate([f], ctx))]
    return analyzer.report


def _first_error_line(root: Node) -> int:
    n = root
    for _ in range(10_000):
        nxt = next((c for c in n.children if c.has_error or c.is_error or c.is_missing), None)
        if nxt is None or n.is_error or n.is_missing:
            break
        n = nxt
    return n.start_point.row + 1


# --------------------------------------------------------------------------- npm install scripts


@dataclass
class InstallScript:
    """One npm install script: where it is written and what it runs."""

    name: str  # preinstall, install, postinstall, ...
    line: int  # its line in package.json
    command: str
    files: list[str] = field(default_factory=list)  # JavaScript files it runs (and the local modules they require)
    inline: list[str] = field(default_factory=list)  # `node -e` code
    shells: list[str] = field(default_factory=list)  # shell scripts it runs (sh x.sh, ./x.sh)


@dataclass
class InstallPlan:
    """What a package.json makes npm run: each install script, the files it runs, and the main module."""

    manifest: str  # the package.json path inside the artifact
    scripts: list[InstallScript] = field(default_factory=list)
    entries: set[str] = field(default_factory=set)
    shell_text: dict[str, str] = field(default_factory=dict)  # shell script path -> its text

    @property
    def files(self) -> set[str]:
        return {f for s in self.scripts for f in s.files}


INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare")
_REQUIRE_RE = re.compile(r"""(?:require\s*\(\s*|import\s*\(\s*|\bfrom\s+|\bimport\s+)['"](\.{1,2}/[^'"\n]+)['"]""")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
MAX_SHELL_SCRIPT = 1024 * 1024


def install_plan(root: Path, manifest: str, raw: bytes | None = None) -> InstallPlan | None:
    """Read `manifest` (a package.json under `root`; its bytes are `raw` when given) for the files npm's install
    scripts run."""
    try:
        raw = (root / manifest).read_bytes() if raw is None else raw
        doc = json.loads(raw)
    except (OSError, ValueError, RecursionError):  # RecursionError: a document nested thousands of levels deep
        return None
    if not isinstance(doc, dict):
        return None
    base = PurePosixPath(manifest).parent
    plan = InstallPlan(manifest)
    text = raw.decode("utf-8", "replace").splitlines()
    scripts = doc.get("scripts")
    scripts = scripts if isinstance(scripts, dict) else {}
    for name in INSTALL_SCRIPTS:
        cmd = scripts.get(name)
        if not isinstance(cmd, str):
            continue
        script = InstallScript(name, next((i for i, t in enumerate(text, 1) if f'"{name}"' in t), 1), cmd)
        _script_targets(root, base, cmd, scripts, script, depth=0)
        for f in list(script.files):  # the local modules an install-time file requires run at install time too
            for spec in _local_requires(root / f):
                resolved = _resolve(root, PurePosixPath(f).parent, spec)
                if resolved and resolved.endswith(JS_SUFFIXES) and resolved not in script.files:
                    script.files.append(resolved)
        del script.files[50:]
        for sh in script.shells:
            try:
                with open(root / sh, "rb") as fh:  # never the whole of a huge file
                    plan.shell_text[sh] = fh.read(MAX_SHELL_SCRIPT).decode("utf-8", "replace")
            except OSError:
                continue
        plan.scripts.append(script)
    main = doc.get("main") if isinstance(doc.get("main"), str) else "index.js"
    candidates: list[object] = [main]
    exports = doc.get("exports")
    if isinstance(exports, str):
        candidates.append(exports)
    elif isinstance(exports, dict):
        dot = exports.get(".", exports)
        if isinstance(dot, str):
            candidates.append(dot)
        elif isinstance(dot, dict):
            candidates += [v for k, v in dot.items() if k in ("require", "import", "default", "node")]
    for c in candidates:
        resolved = _resolve(root, base, c) if isinstance(c, str) else None
        if resolved:
            plan.entries.add(resolved)
    return plan


def _local_requires(path: Path) -> list[str]:
    try:
        with open(path, "rb") as fh:  # never the whole of a huge file
            data = fh.read(MAX_PARSE_BYTES).decode("utf-8", "replace")
    except OSError:
        return []
    return _REQUIRE_RE.findall(data)[:20]


def _resolve(root: Path, base: PurePosixPath, spec: str, suffixes: tuple[str, ...] = JS_SUFFIXES) -> str | None:
    """A path as node resolves it from `base` (file, .js/.cjs/.mjs, index.js), inside `root` only."""
    spec = spec.strip().strip("'\"")
    if not spec or spec.startswith(("/", "-")) or "\\" in spec:
        return None
    parts: list[str] = []
    for p in (base / spec).parts:
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(p)
    rel = "/".join(parts)
    candidates: list[str] = [rel, *(rel + suffix for suffix in suffixes)] + ([rel + "/index.js"] if suffixes else [])
    for cand in candidates:
        if cand and (root / cand).is_file() and not (root / cand).is_symlink():
            return cand
    return None


def _script_targets(root: Path, base: PurePosixPath, cmd: str, scripts: dict[str, object], script: InstallScript,
                    depth: int) -> None:
    """The files (and ``node -e`` code, and shell scripts) a script command runs; ``npm run x`` is followed."""
    for segment in re.split(r"&&|\|\||;|\||&", cmd):
        try:
            words = shlex.split(segment)
        except ValueError:
            words = segment.split()
        while words and (_ENV_ASSIGNMENT.match(words[0]) or words[0] in ("cross-env", "npx", "exec", "env")):
            words = words[1:]
        if not words:
            continue
        prog = words[0].rsplit("/", 1)[-1]
        if prog in ("node", "nodejs", "bun", "deno") or prog.endswith(JS_SUFFIXES):
            _node_targets(root, base, words[1:] if prog in ("node", "nodejs", "bun", "deno") else words, script)
        elif prog in ("sh", "bash", "zsh", "dash") or prog.endswith(".sh"):
            rest = [w for w in (words[1:] if prog in ("sh", "bash", "zsh", "dash") else words) if not w.startswith("-")]
            resolved = _resolve(root, base, rest[0], ()) if rest else None
            if resolved and resolved not in script.shells:
                script.shells.append(resolved)
        elif prog in ("npm", "yarn", "pnpm") and len(words) >= 2 and depth < 3:
            target = words[2] if words[1] in ("run", "run-script") and len(words) > 2 else \
                words[1] if prog in ("yarn", "pnpm") else None
            follow = scripts.get(target) if target else None
            if isinstance(follow, str):
                _script_targets(root, base, follow, scripts, script, depth + 1)


def _node_targets(root: Path, base: PurePosixPath, args: list[str], script: InstallScript) -> None:
    i = 0
    while i < len(args):
        w = args[i]
        if w in ("-e", "--eval", "-p", "--print") and i + 1 < len(args):
            script.inline.append(args[i + 1])
            for spec in _REQUIRE_RE.findall(args[i + 1]):
                resolved = _resolve(root, base, spec)
                if resolved and resolved not in script.files:
                    script.files.append(resolved)
            return
        if w in ("-r", "--require", "--import", "--loader") and i + 1 < len(args):
            resolved = _resolve(root, base, args[i + 1])
            if resolved and resolved not in script.files:
                script.files.append(resolved)
            i += 2
            continue
        if w.startswith("-") or w == "run":
            i += 1
            continue
        resolved = _resolve(root, base, w)
        if resolved and resolved not in script.files:
            script.files.append(resolved)
        return


def _install_command(command: str, line: int, note: str = "") -> list[Fact]:
    """What a command line an npm install script runs does (the text front-end), at install time."""
    run = Fact(Kind.RUN, line, snippet=_escape(command), reach=Reach.INSTALL, top=True, note=note, lang="shell")
    return command_facts(command, run)


def _shell_report(path: str, text: str) -> FileReport:
    """A shell script an install script runs: each command line through the text front-end, at install time."""
    report = FileReport(path)
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        report.facts += _install_command(line, i, " (run by an npm install script)")
        if NET_TOOL.search(line):
            report.capabilities.add("network")
    report.hits = evaluate(report.facts, Context(path, "shell"))
    return report


def judge_install_scripts(report: FileReport, plan: InstallPlan, reports: Iterable[FileReport]) -> list[FileReport]:
    """Raise each install-script hit of `report` (the package.json's) by what the code it runs does, and add what
    the script's command line and ``node -e`` code do. Returns the reports of the shell scripts the scripts run."""
    by_path = {r.path: r for r in reports}
    shell_reports = {path: _shell_report(path, text) for path, text in plan.shell_text.items()}
    hits: list[CodeHit] = []
    for h in report.hits:
        script = next((s for s in plan.scripts if s.line == h.line and f"the {s.name} script" in h.message), None) \
            if h.rule == "install-script" else None
        if script is None:
            hits.append(h)
            continue
        for i in evaluate(_install_command(script.command, script.line), Context(plan.manifest, "shell")):
            hits.append(replace(i, message=f"the {script.name} script: {i.message}"))
        found: list[tuple[str, CodeHit]] = []
        caps: set[str] = set()
        for code in script.inline:
            inner = analyze_javascript(plan.manifest, code, install_time=True, line_offset=script.line - 1)
            hits += [CodeHit(i.rule, i.severity, i.confidence, script.line,
                             f"the {script.name} script's node -e code: {i.message}", _escape(code), i.chain)
                     for i in inner.hits if i.rule != "unparseable-code"]
            found += [(plan.manifest, i) for i in inner.hits]
            caps |= inner.capabilities
        for f in [*script.files, *script.shells]:
            r = by_path.get(f) or shell_reports.get(f)
            if r is not None:
                found += [(f, i) for i in r.hits]
                caps |= r.capabilities
        hits.append(_raised(h, script, found, caps))
    report.hits[:] = hits
    return list(shell_reports.values())


def _raised(h: CodeHit, script: InstallScript, found: list[tuple[str, CodeHit]], caps: set[str]) -> CodeHit:
    """The install-script hit, raised by the worst finding in the code the script runs (or by what it can do)."""
    runs = ", ".join([*script.files, *script.shells]) or ("inline code" if script.inline else "")
    worst = max((i for _, i in found if i.rule != "unparseable-code"), key=lambda i: i.severity.rank, default=None)
    if worst is not None and worst.severity.rank >= Severity.HIGH.rank:
        where = next(p for p, i in found if i is worst)
        critical = worst.severity is Severity.CRITICAL and worst.confidence is Confidence.HIGH
        return CodeHit(h.rule, Severity.CRITICAL if critical else Severity.HIGH, Confidence.HIGH, h.line,
                       f"{h.message}; it runs {runs}: {worst.rule} at {where}:{worst.line} ({_cut(worst.message, 120)})",
                       h.snippet, h.chain)
    # data leaving or code arriving at install time; a process alone (node-gyp, a build) is only listed
    risky = sorted(caps & {"network", "dns", "dynamic-code", "credential-files", "persistence", "reverse-shell"})
    if risky and h.severity.rank < Severity.MEDIUM.rank:
        return CodeHit(h.rule, Severity.MEDIUM, Confidence.MEDIUM, h.line,
                       f"{h.message}; it runs {runs}, which uses {', '.join(risky)} at install time", h.snippet, h.chain)
    if runs:
        uses = sorted(caps & {"process"})
        return CodeHit(h.rule, h.severity, h.confidence, h.line,
                       f"{h.message}; it runs {runs}" + (" (which starts processes)" if uses else ""), h.snippet, h.chain)
    return h


__all__ = [
    "JS_SUFFIXES",
    "FileReport",
    "InstallPlan",
    "InstallScript",
    "analyze_javascript",
    "install_plan",
    "judge_install_scripts",
    "light_scan",
    "obfuscation_facts",
]
