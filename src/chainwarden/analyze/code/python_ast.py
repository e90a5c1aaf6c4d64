"""Static analysis of one Python source file: what it can do, and what looks malicious.

The file is parsed with `ast`, never imported or run. Names are resolved through the file's
imports and aliases (``import base64 as b``; ``from os import system as s``), through
``getattr(<module or builtins>, <string>)`` and ``__import__``/``importlib.import_module``
with strings that fold to constants (``'ex' + 'ec'``, ``''.join(chr(n) for ...)``,
``bytes.fromhex(...)``, ``'...'[::-1]``). Values are followed inside each function and at
module level (flow-insensitive taint by variable name), so that a secret that reaches a
network or DNS call, a downloaded payload that reaches ``exec``, or a decoded blob that
reaches ``exec`` is a finding, and one capability alone is not. Encoded literals that reach a
decoder are decoded here (bounded, base64 / hex / zlib / bz2 / lzma / rot13, never
``marshal``) and the result is analyzed again, recursively, with the decoding chain kept.

A file that does not parse is itself a signal; a tolerant pass over its lines still looks
for the obvious sinks.
"""

from __future__ import annotations

import ast
import base64
import binascii
import builtins
import bz2
import codecs
import functools
import lzma
import math
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from chainwarden.analyze.code.facts import (
    DECODED,
    ENV,
    ENV_DUMP,
    HOST_INFO,
    REMOTE,
    SECRET,
    SECRET_FILE,
    SECRET_PATH,
    WEBHOOK as WEBHOOK_DATA,
    CodeHit,
    Fact,
    FileReport,
    Kind,
    Reach,
)
from chainwarden.analyze.code.patterns import (
    CALLBACK_HOST,
    PACKERS,
    PERSISTENCE,
    SECRET_ENV,
    SECRET_PART,
    SECRET_PATHS,
    WEBHOOK,
    _Prefiltered,
)
from chainwarden.analyze.code.flow import ATTR, CALL, FILE, GLOB, PARAM, RET, Edge, Flow, placeholder
from chainwarden.analyze.code.rules import Context, evaluate
from chainwarden.analyze.code.text import command_facts, network_command
from chainwarden.model import Severity, printable

MAX_DECODED = 5 * 1024 * 1024
# Python files larger than these are scanned line by line, not parsed: CPython's syntax tree costs 300-750
# bytes of memory per token (``X = [a, a, a, ...]`` of 2 MB took 1.4 GiB; a 12 MB file of calls 2 GiB and
# 14 s just to parse). The most in ~880 real wheels: 1.9 MB and 468,000 tokens (186 MiB), in one file.
MAX_AST_CHARS = 4 * 1024 * 1024
MAX_AST_TOKENS = 500_000
_TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_LAYERS = 6
HIDDEN_WHITESPACE = 120  # spaces or tabs before code on one line
# A variable's path pieces (`_Scope.paths`) are kept up to this many characters, the head and the tail
# (what the whole text matched is kept in `_Scope.path_flags`). Without a bound, ``x = f(x, x)`` repeated
# doubles the text on every line: 22 such lines took 26 s, a few more would exhaust memory.
MAX_PATH_TEXT = 1024
# A constant string built by concatenation is followed up to this length (longer: unknown). Each `x = x + "..."`
# copies the whole string, so the bound keeps a file of 100,000 such lines to seconds, not hours.
MAX_FOLDED = 512 * 1024
MAX_URL_TEXT = 4096  # folded strings longer than this are not searched for webhook URLs (URLs are short)


# --------------------------------------------------------------------------- what names mean

NETWORK = {
    "socket.socket", "socket.create_connection", "socket.socket.connect", "urllib.request.urlopen",
    "urllib.request.urlretrieve", "urllib.urlopen", "urllib2.urlopen",
    "http.client.HTTPConnection", "http.client.HTTPSConnection", "ftplib.FTP", "smtplib.SMTP", "smtplib.SMTP_SSL",
    "telnetlib.Telnet", "requests.get", "requests.post", "requests.put", "requests.patch", "requests.request",
    "requests.Session", "requests.session", "httpx.get", "httpx.post", "httpx.put", "httpx.request", "httpx.Client",
    "httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.request", "urllib3.PoolManager", "urllib3.request",
    "websocket.create_connection", "paramiko.SSHClient",
}
# constructors of objects whose methods send (`SEND_METHODS`): sockets, HTTP connections and sessions, mail, FTP
CONNECTIONS = {
    "socket.socket", "socket.create_connection", "http.client.HTTPConnection", "http.client.HTTPSConnection",
    "ftplib.FTP", "smtplib.SMTP", "smtplib.SMTP_SSL", "telnetlib.Telnet", "requests.Session", "requests.session",
    "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager", "websocket.create_connection",
}
SEND_METHODS = {"send", "sendall", "sendto", "request", "urlopen", "post", "put", "patch", "get", "putrequest",
                "sendmail", "send_message", "storbinary", "write"}
FETCH = {"urllib.request.urlopen", "urllib.request.urlretrieve", "urllib2.urlopen", "requests.get", "requests.post", "requests.request",
         "httpx.get", "httpx.post", "httpx.request", "urllib.urlopen", "urllib3.request"}
DNS = {"socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo", "socket.gethostbyaddr",
       "dns.resolver.resolve", "dns.resolver.query", "dns.resolver.Resolver.resolve", "dns.query.udp"}
PROCESS = {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
           "subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen", "os.execv", "os.execve",
           "os.execl", "os.execle", "os.execlp", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnv", "os.spawnve",
           "os.spawnlp", "os.posix_spawn", "os.posix_spawnp", "os.startfile", "pty.spawn", "commands.getoutput",
           "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell"}
EXEC = {"builtins.exec", "builtins.eval", "builtins.compile", "builtins.execfile"}
UNSAFE_LOAD = {"marshal.loads", "pickle.loads", "cPickle.loads", "dill.loads", "types.FunctionType", "types.CodeType"}
DECODERS = {
    "base64.b64decode": "base64", "base64.standard_b64decode": "base64", "base64.urlsafe_b64decode": "base64",
    "base64.b32decode": "base32", "base64.b16decode": "hex", "base64.a85decode": "ascii85", "base64.b85decode": "base85",
    "base64.decodebytes": "base64", "base64.decodestring": "base64", "binascii.a2b_base64": "base64",
    "binascii.unhexlify": "hex", "binascii.a2b_hex": "hex", "bytes.fromhex": "hex", "zlib.decompress": "zlib",
    "bz2.decompress": "bz2", "lzma.decompress": "lzma", "gzip.decompress": "gzip", "codecs.decode": "codecs",
    "marshal.loads": "marshal",
}
ENV_READ = {"os.getenv", "os.environ.get", "os.environ.copy", "os.environ.items", "os.environ.keys", "os.environ.values",
            "os.getenvb", "os.environ.__str__", "os.environ.__repr__"}
ENV_WHOLE = {"os.environ.copy", "os.environ.items", "os.environ.values", "os.environ.__str__", "os.environ.__repr__"}
# The host's identity: who and where the code runs (a beacon sends these home).
HOST_CALLS = {"socket.gethostname", "socket.getfqdn", "platform.node", "platform.uname", "platform.system",
              "platform.platform", "platform.release", "platform.version", "platform.machine", "platform.processor",
              "getpass.getuser", "os.getlogin", "os.getcwd", "os.getcwdb", "os.uname", "uuid.getnode", "os.getuid",
              "psutil.users", "win32api.GetUserName", "win32api.GetComputerName"}
HOST_ENV = re.compile(r"^(USER|USERNAME|LOGNAME|COMPUTERNAME|HOSTNAME|USERDOMAIN)$", re.IGNORECASE)
# Commands whose output is the host's identity or the whole environment.
HOST_COMMANDS = re.compile(r"^\s*(whoami|hostname|id|uname|ipconfig|ifconfig|systeminfo|pwd|ip\s+a|net\s+user|"
                           r"net\s+config|curl\s+\S*(ipinfo|ipify|ifconfig\.me|icanhazip)\S*)\b", re.IGNORECASE)
DOWNLOADER_COMMAND = re.compile(r"^\s*(curl|wget\s+[^|;&]*-O\s*-|wget\s+[^|;&]*-qO-|iwr|irm|Invoke-WebRequest|"
                                r"Invoke-RestMethod|powershell[^|;&]*(DownloadString|Invoke-RestMethod|irm\s))\b",
                                re.IGNORECASE)
ENV_COMMANDS = re.compile(r"^\s*(env|printenv|set)\s*$", re.IGNORECASE)
PROCESS_OUTPUT = {"subprocess.check_output", "subprocess.getoutput", "subprocess.getstatusoutput", "subprocess.run",
                  "subprocess.Popen", "os.popen", "commands.getoutput"}
# Calls that keep a secret in: a digest or a signature is sent, not the key (``hmac.new(key, msg)``).
SANITIZERS = ("hashlib.", "hmac.", "bcrypt.", "nacl.signing.", "jwt.encode")
# Callables whose function argument runs now or soon (a thread, an exit handler): they make a function reachable.
RUNNERS = {"threading.Thread", "threading.Timer", "multiprocessing.Process", "atexit.register", "builtins.map",
           "builtins.filter", "builtins.sorted", "asyncio.run", "asyncio.create_task", "asyncio.ensure_future",
           "asyncio.gather", "_thread.start_new_thread", "thread.start_new_thread", "multiprocessing.Pool",
           "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor", "signal.signal"}
RUNNER_METHODS = {"submit", "map", "apply", "apply_async", "run_in_executor", "start_new_thread", "run_until_complete",
                  "create_task", "call_soon", "call_later", "imap", "starmap", "map_async"}
THREAD_BASES = {"threading.Thread", "multiprocessing.Process", "Thread", "Process"}
# Keyword arguments that log in to a service (a key used so is not leaked): requests' auth=, a password=.
_CREDENTIAL_KEY = re.compile(r"^(authorization|proxy-authorization|auth|token|access_?token|api_?key|api-key|x-api-key|"
                             r"x-auth-token|x-access-token|private-token|password|passwd|passphrase|bearer|bearer_?token|"
                             r"client_?secret|secret_?key|aws_secret_access_key|aws_access_key_id|key)$", re.IGNORECASE)
_SETUP_ARGS = {"install", "develop", "egg_info", "bdist_wheel", "build", "build_ext", "build_py", "dist_info",
               "editable_wheel", "bdist_egg", "easy_install", "sdist"}
SPYING = {"pyperclip.paste": "clipboard", "win32clipboard.GetClipboardData": "clipboard",
          "PIL.ImageGrab.grab": "screenshot", "pyautogui.screenshot": "screenshot", "mss.mss": "screenshot",
          "pynput.keyboard.Listener": "keylogging", "keyboard.on_press": "keylogging", "keyboard.hook": "keylogging"}
_BUILTINS = set(dir(builtins)) | {"execfile"}
INSTALL_COMMANDS = {"install", "develop", "egg_info", "build", "build_py", "build_ext", "sdist", "bdist_wheel",
                    "bdist_egg", "easy_install"}
BUILD_COMMANDS = {"build", "build_py", "build_ext", "build_clib", "build_scripts", "sdist"}  # they compile: processes are normal


def _escape(text: str, limit: int = 160) -> str:
    """A snippet that is safe to print (model.printable), stripped and cut to `limit` (cut before it is escaped:
    escaping never shortens, and a line can be megabytes long)."""
    return printable(text.strip()[: limit + 1], limit)


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for c in text:
        counts[c] = counts.get(c, 0) + 1
    n = len(text)
    return -sum(k / n * math.log2(k / n) for k in counts.values())


# --------------------------------------------------------------------------- the analysis


class _Scope:
    """Taint by variable name inside one function (or the module body)."""

    def __init__(self) -> None:
        self.tags: dict[str, set[str]] = {}  # variable -> {"secret", "env", "remote", "decoded", "hostbuild", "file:..."}
        self.strings: dict[str, str] = {}  # variable -> constant string value
        self.paths: dict[str, str] = {}  # variable -> the literal pieces of a path expression ("~/.config/systemd/user/x")
        self.path_flags: dict[str, int] = {}  # variable -> what its path matched beyond the kept text (_SECRET, _PERSIST)
        self.ints: dict[str, list[int]] = {}  # variable -> a literal list of integers (chr() tables)


class PythonAnalyzer(ast.NodeVisitor):
    """One pass over a module's tree, in source order (a visitor with its own dispatch, see `visit`).

    `tags_of` is asked about the same sub-expressions many times (a call's arguments, then the
    assignment around the call, then the function's returns). Its answers are kept per node and
    stay valid while the analysis state they read is unchanged: every change of a variable's
    taint, string value, path pieces or integer table, of an alias, of a function's tainted
    returns, or of the current scope goes through a helper that bumps `version`.
    """

    def __init__(self, path: str, text: str, chain: tuple[str, ...] = (), line_offset: int = 0, depth: int = 0) -> None:
        self.path, self.text, self.chain, self.offset, self.depth = path, text, chain, line_offset, depth
        self.lines = text.splitlines()
        self.aliases: dict[str, str] = {}
        self.report = FileReport(path)
        self.scopes: list[_Scope] = [_Scope()]
        self.scope = self.scopes[0]  # the innermost scope (kept in step with `scopes` by _push/_pop)
        self.version = 0  # bumped by every change of the state `tags_of` reads
        self._tags_memo: dict[int, tuple[int, frozenset[str]]] = {}  # id(node) -> (version, tags)
        self._returns: list[list[ast.expr]] = []  # per enclosing function: the values its body returns
        self.function_depth = 0
        self.in_main_guard = False
        self.is_setup = path.rsplit("/", 1)[-1] == "setup.py"
        self.is_init = path.endswith("__init__.py")
        self.analyzed: set[int] = set()  # decoder calls whose payload was analyzed already (id of the node)
        # across functions (flow.py): what the file defines, and who calls what
        self.flow = Flow()
        self.defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}  # "f", "Class.method", "f.inner"
        self.def_keys: dict[int, str] = {}  # id(def node) -> its key
        self.classes: dict[str, ast.ClassDef] = {}
        self.methods: dict[str, str] = {}  # method name -> "Class.method", for names only one class defines
        self.class_attrs: dict[str, set[str]] = {}  # class -> the attributes its methods set on self
        self.locals: dict[str, set[str]] = {}  # function key -> the names it binds (parameters included)
        self.module_names: set[str] = set()  # names bound at module level
        self.owners: list[str] = [""]  # the functions being visited, innermost last ("" module level)
        self.selves: list[tuple[str, str] | None] = [None]  # per function: (class, name of self) for methods
        self.visited: set[str] = set()  # functions whose body has been visited
        self.params: dict[str, list[str]] = {}  # function key -> its parameters, by index (self left out)
        self._chains: dict[str, list[str]] = {}
        self.handles: dict[str, ast.AST] = {}  # file objects opened for writing -> the path expression
        self.read_handles: dict[str, ast.AST] = {}  # file objects opened for reading -> the path expression
        self.hidden_builtins: set[str] = set()  # names bound to a builtin fetched with eval("eval")
        self.built_hosts: set[str] = set()  # variables holding a host name built from variable data
        self.connections: dict[str, str] = {}  # variables holding a socket or HTTP client -> its constructor
        self.effects: list[tuple[str, int, str, bool, str]] = []  # (capability, line, owner, top, snippet)

    # -- what the file defines (before the visit: a call may come before what it calls) ------------------
    def collect(self, tree: ast.Module) -> None:
        """One walk over the statements (expressions are not entered): functions and methods (by key), classes,
        the names each function binds, the attributes methods set on ``self``, the names bound at module level."""
        seen_methods: dict[str, set[str]] = {}
        declared: dict[str, set[str]] = {}  # function key -> its global/nonlocal names
        # (statement, function key or "", key prefix for definitions, class whose body this is, (class, self name))
        stack: list[tuple[ast.stmt, str, str, str, tuple[str, str] | None]] = [
            (st, "", "", "", None) for st in reversed(tree.body)]
        while stack:
            node, fn, prefix, cls, me = stack.pop()
            bound: list[ast.AST] = []  # targets whose names the statement binds
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{prefix}{node.name}"
                self.defs.setdefault(key, node)
                self.def_keys[id(node)] = key
                params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
                self.locals[key] = set(params) | {a.arg for a in (node.args.vararg, node.args.kwarg) if a}
                if fn:
                    self.locals[fn].add(node.name)
                inner = me
                if cls:
                    seen_methods.setdefault(node.name, set()).add(cls)
                    if params and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list):
                        inner = (cls, params[0])
                stack += [(st, key, f"{key}.", "", inner) for st in reversed(node.body)]
                continue
            if isinstance(node, ast.ClassDef):
                self.classes.setdefault(node.name, node)
                stack += [(st, fn, f"{node.name}.", node.name, me) for st in reversed(node.body)]
                continue
            if isinstance(node, ast.Assign):
                bound = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                bound = [node.target]
            elif isinstance(node, ast.For | ast.AsyncFor):
                bound = [node.target]
            elif isinstance(node, ast.With | ast.AsyncWith):
                bound = [i.optional_vars for i in node.items if i.optional_vars is not None]
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = {(a.asname or a.name).split(".")[0] for a in node.names}
                if fn:
                    self.locals[fn] |= names
                elif not cls:
                    self.module_names |= names
            elif isinstance(node, ast.Global | ast.Nonlocal) and fn:
                declared.setdefault(fn, set()).update(node.names)
            elif isinstance(node, ast.Expr) and me is not None and isinstance(node.value, ast.Call) and \
                    isinstance(node.value.func, ast.Attribute):
                bound = [node.value.func.value]  # self.x.append(...)
            for target in bound:
                for n in _walk(target):
                    if isinstance(n, ast.Name):
                        if fn:
                            self.locals[fn].add(n.id)
                        elif not cls:
                            self.module_names.add(n.id)
                    elif me is not None and isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and \
                            n.value.id == me[1]:
                        self.class_attrs.setdefault(me[0], set()).add(n.attr)
            for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in reversed(getattr(node, field_name, None) or []):
                    if isinstance(child, ast.ExceptHandler | ast.match_case):
                        if isinstance(child, ast.ExceptHandler) and child.name and fn:
                            self.locals[fn].add(child.name)
                        stack += [(st, fn, prefix, cls, me) for st in reversed(child.body)]
                    else:
                        stack.append((child, fn, prefix, cls, me))
        for key, names in declared.items():
            self.locals[key] -= names
        self.methods = {m: f"{next(iter(c))}.{m}" for m, c in seen_methods.items()
                        if len(c) == 1 and not m.startswith("__") and m not in self.defs}

    @property
    def owner(self) -> str:
        return self.owners[-1]

    # -- the state tags_of reads: every change bumps the version -------------------------------
    def _push(self) -> None:
        self.scopes.append(_Scope())
        self.scope = self.scopes[-1]
        self.version += 1

    def _pop(self) -> None:
        self.scopes.pop()
        self.scope = self.scopes[-1]
        self.version += 1

    def _secret_env_names(self) -> list[str]:
        """The secret-looking environment variable names (or prefixes, as ``AWS_*``) the file's string literals name."""
        found = {m + ("*" if m.endswith("_") else "") for m in re.findall(r"[\"']([A-Z][A-Z0-9_]{1,63})[\"']", self.text)
                 if SECRET_ENV.search(m)}
        return sorted(found)[:6]

    def _taint(self, name: str, tags: Iterable[str]) -> None:
        """Add `tags` to variable `name` of the current scope (the entry is created even when empty)."""
        cur = self.scope.tags.get(name)
        if cur is None:
            self.scope.tags[name] = set(tags)
            self.version += 1
        else:
            before = len(cur)
            cur.update(tags)
            if len(cur) != before:
                self.version += 1

    def _set_string(self, name: str, value: str | None) -> None:
        """Variable `name` holds the constant `value` (None: no longer a known constant)."""
        strings = self.scope.strings
        if value is None:
            if strings.pop(name, None) is not None:
                self.version += 1
        elif strings.get(name) != value:
            strings[name] = value
            self.version += 1

    def _set_path(self, name: str, pieces: tuple[str, int]) -> None:
        """Variable `name` holds a path with these pieces (text, and flags the text alone may not show)."""
        text, flags = pieces
        scope = self.scope
        if scope.paths.get(name) == text and not flags & ~scope.path_flags.get(name, 0):
            return  # nothing new: the flags of this text are known
        flags |= _path_flags(text)  # what the whole text matches, kept with it: no later search of it is needed
        if len(text) > MAX_PATH_TEXT:  # keep the head and the tail
            half = MAX_PATH_TEXT // 2
            text = f"{text[:half]}…{text[-half:]}"
        if scope.paths.get(name) != text or scope.path_flags.get(name, 0) != flags:
            scope.paths[name] = text
            if flags:
                scope.path_flags[name] = flags
            else:
                scope.path_flags.pop(name, None)
            self.version += 1

    def _set_alias(self, name: str, target: str) -> None:
        if self.aliases.get(name) != target:
            self.aliases[name] = target
            self.version += 1

    # -- helpers ---------------------------------------------------------------------
    def _line(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 1) + self.offset

    def _snippet(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", 1)
        return _escape(self.lines[line - 1]) if 0 < line <= len(self.lines) else ""

    def _reach(self) -> tuple[Reach, bool]:
        """When the code being visited runs, and whether it is at module level (not in a function). Functions
        that module-level code calls are found when the whole file has been read (`_resolve`)."""
        top = self.function_depth == 0 and not self.in_main_guard
        return ((Reach.INSTALL if self.is_setup else Reach.LOAD) if top else Reach.CALL), top

    def fact_at(self, kind: Kind, line: int, *, snippet: str | None = None, reach: Reach = Reach.LOAD,
                api: str = "", text: str = "", flags: Iterable[str] = ()) -> Fact:
        """A fact about a line of the file as a whole (module level)."""
        own = line - self.offset
        if snippet is None:
            snippet = _escape(self.lines[own - 1]) if 0 < own <= len(self.lines) else ""
        f = Fact(kind, line, api, frozenset(), text, frozenset(flags), self.chain, snippet, reach, True, lang="python")
        self.report.facts.append(f)
        return f

    def fact(self, kind: Kind, node: ast.AST, *, api: str = "", data: Iterable[str] = (), text: str = "",
             flags: Iterable[str] = ()) -> Fact:
        """Record what the code at `node` does (the rules judge it)."""
        reach, top = self._reach()
        f = Fact(kind, self._line(node), api, frozenset(data), text, frozenset(flags), self.chain, self._snippet(node),
                 reach, top, owner=self.owner, lang="python")
        self.report.facts.append(f)
        return f

    def qualname(self, node: ast.AST) -> str | None:
        """The dotted name a call target means, through imports, aliases, getattr and __import__."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in _BUILTINS and node.id not in self.scope.tags and node.id not in self.scope.strings:
                return f"builtins.{node.id}"
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            fn = self.qualname(node.func)
            if fn in ("builtins.getattr",) and len(node.args) >= 2:
                attr = self.fold(node.args[1])
                target = self.qualname(node.args[0])
                if attr is not None and target is not None:
                    if target in ("__builtins__", "builtins", "builtins.__builtins__") or target.endswith("__builtins__"):
                        return f"builtins.{attr}"
                    return f"{target}.{attr}"
            if fn in ("builtins.__import__", "importlib.import_module") and node.args:
                mod = self.fold(node.args[0])
                if mod is not None:
                    return mod
            if fn in ("builtins.vars", "builtins.globals", "builtins.locals", "builtins.dir"):
                return None
        if isinstance(node, ast.Subscript):  # __builtins__['exec'], globals()['eval']
            key = self.fold(node.slice)
            base = self.qualname(node.value) if not isinstance(node.value, ast.Call) else \
                self.qualname(node.value.func)
            if key is not None and base is not None and ("builtins" in base or base.endswith(("globals", "vars", "locals"))):
                return f"builtins.{key}"
        return None

    def fold(self, node: ast.AST | None, budget: int = 2000) -> str | None:
        """The constant string an expression evaluates to, when it is built only from literals."""
        if node is None or budget <= 0:
            return None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value
            if isinstance(node.value, bytes):
                try:
                    return node.value.decode("latin-1")
                except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
                    return None
            return None
        if isinstance(node, ast.Name) and node.id in self.scope.strings:
            return self.scope.strings[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.fold(node.left, budget - 1)
            right = self.fold(node.right, budget - 1) if left is not None else None
            if left is None or right is None or len(left) + len(right) > MAX_FOLDED:
                return None
            return left + right
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            s = self.fold(node.left, budget - 1)
            if s is not None and isinstance(node.right, ast.Constant) and isinstance(node.right.value, int) and \
                    0 <= node.right.value * len(s) <= 100_000:
                return s * node.right.value
            return None
        if isinstance(node, ast.JoinedStr):
            parts = [self.fold(v, budget - 1) if not isinstance(v, ast.FormattedValue) else self.fold(v.value, budget - 1)
                     for v in node.values]
            if not all(p is not None for p in parts) or sum(len(p) for p in parts if p is not None) > MAX_FOLDED:
                return None
            return "".join(p for p in parts if p is not None)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            s = self.fold(node.value, budget - 1)
            sl = node.slice
            if s is not None and sl.lower is None and sl.upper is None and isinstance(sl.step, ast.UnaryOp) and \
                    isinstance(sl.step.op, ast.USub) and isinstance(sl.step.operand, ast.Constant) and sl.step.operand.value == 1:
                return s[::-1]
            return None
        if isinstance(node, ast.Call):
            fn = self.qualname(node.func)
            if fn == "builtins.chr" or (isinstance(node.func, ast.Name) and node.func.id == "chr"):
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, int) and \
                        0 <= node.args[0].value < 0x110000:
                    return chr(node.args[0].value)
                return None
            if isinstance(node.func, ast.Attribute) and node.func.attr == "join" and node.args:
                sep = self.fold(node.func.value, budget - 1)
                items = self._fold_iterable(node.args[0], budget - 1)
                if sep is None or items is None or sum(map(len, items)) + len(sep) * len(items) > MAX_FOLDED:
                    return None
                return sep.join(items)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "decode":
                inner = self.fold(node.func.value, budget - 1)
                if inner is not None:
                    return inner
                decoded = self.decode_call(node.func.value)
                return decoded[0].decode("utf-8", "replace") if decoded else None
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("replace", "strip", "lower", "upper"):
                base = self.fold(node.func.value, budget - 1)
                args = [self.fold(a, budget - 1) for a in node.args]
                if base is not None and all(a is not None for a in args):
                    try:
                        return str(getattr(base, node.func.attr)(*args))
                    except (TypeError, ValueError):
                        return None
            if fn in ("bytes.fromhex",) or (isinstance(node.func, ast.Attribute) and node.func.attr == "fromhex"):
                s = self.fold(node.args[0], budget - 1) if node.args else None
                try:
                    return bytes.fromhex(s).decode("utf-8", "replace") if s is not None else None
                except ValueError:
                    return None
        return None

    def _fold_iterable(self, node: ast.AST, budget: int) -> list[str] | None:
        if isinstance(node, ast.List | ast.Tuple):
            items = [self.fold(e, budget) for e in node.elts]
            return [i for i in items if i is not None] if all(i is not None for i in items) else None
        if isinstance(node, ast.GeneratorExp | ast.ListComp) and len(node.generators) == 1:
            gen = node.generators[0]
            if isinstance(gen.iter, ast.List | ast.Tuple) and isinstance(gen.target, ast.Name) and \
                    isinstance(node.elt, ast.Call) and self.qualname(node.elt.func) == "builtins.chr" and \
                    all(isinstance(e, ast.Constant) and isinstance(e.value, int) and 0 <= e.value < 0x110000
                        for e in gen.iter.elts):
                return [chr(e.value) for e in gen.iter.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)]
            if isinstance(gen.iter, ast.Name) and gen.iter.id in self.scope.ints and isinstance(node.elt, ast.Call) and \
                    self.qualname(node.elt.func) == "builtins.chr":
                return [chr(i) for i in self.scope.ints[gen.iter.id] if 0 <= i < 0x110000]
            # ''.join(c for c in 'literal')-style: the literal itself (rot/shift tricks are not folded)
            if isinstance(gen.iter, ast.Constant) and isinstance(gen.iter.value, str) and isinstance(gen.target, ast.Name) \
                    and isinstance(node.elt, ast.Name) and node.elt.id == gen.target.id:
                return list(gen.iter.value)
        return None

    # -- decoding ------------------------------------------------------------------------
    def decode_call(self, node: ast.AST, depth: int = 0) -> tuple[bytes, tuple[str, ...]] | None:
        """Decode a decoder call whose input is a literal (or another decoder call), bounded; never marshal."""
        if not isinstance(node, ast.Call) or depth > MAX_LAYERS:
            return None
        fn = self.qualname(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "fromhex":
            fn = "bytes.fromhex"
        kind = DECODERS.get(fn or "")
        if kind is None or kind == "marshal" or not node.args:
            return None
        arg = node.args[0]
        inner = self.decode_call(arg, depth + 1)
        if inner is not None:
            data, chain = inner
        else:
            s = self.fold(arg)
            if s is None:
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "encode":
                    s = self.fold(arg.func.value)
                if s is None:
                    return None
            data, chain = s.encode("latin-1", "replace"), ()
        if kind == "codecs":
            codec = self.fold(node.args[1]) if len(node.args) > 1 else None
            kw = next((k.value for k in node.keywords if k.arg == "encoding"), None)
            codec = codec or (self.fold(kw) if kw is not None else None)
            if codec is None:
                return None
            kind = {"base64": "base64", "base_64": "base64", "hex": "hex", "hex_codec": "hex", "zlib": "zlib",
                    "zip": "zlib", "rot13": "rot13", "rot_13": "rot13", "bz2": "bz2", "base64_codec": "base64",
                    "zlib_codec": "zlib"}.get(codec.lower().replace("-", "_"), "")
            if not kind:
                return None
        out = _decode(kind, data)
        return (out, (*chain, kind)) if out is not None else None


    # -- visiting --------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        """`ast.NodeVisitor.visit` with the method looked up once per node type."""
        method = _DISPATCH.get(type(node)) or _method(type(node))
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        """The children of `node` in field order, as `ast.NodeVisitor` visits them. Names, contexts and
        operators, which have neither children nor a visitor here, are skipped."""
        for name in _FIELDS.get(type(node)) or _node_fields(type(node)):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    cls = type(item)
                    while cls is ast.Attribute:  # no visitor, one child: down the chain (self.a.b.c)
                        item = item.value
                        cls = type(item)
                    if cls is not ast.Name:
                        (_DISPATCH.get(cls) or _method(cls))(self, item)
            elif value is not None:
                cls = type(value)
                while cls is ast.Attribute:
                    value = value.value
                    cls = type(value)
                if cls is not ast.Name:
                    (_DISPATCH.get(cls) or _method(cls))(self, value)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self._set_alias(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0])
        self._note_import(node, [a.name for a in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        for a in node.names:
            self._set_alias(a.asname or a.name, f"{mod}.{a.name}" if mod else a.name)
        self._note_import(node, [mod])

    def _note_import(self, node: ast.AST, modules: list[str]) -> None:
        for m in modules:
            if PACKERS.search(m):
                self.fact(Kind.OBFUSCATION, node, flags=("packer",),
                          text=f"imports {m}: the code is packed (PyArmor or similar), so what it does cannot be read")

    def visit_If(self, node: ast.If) -> None:
        """``if __name__ == "__main__":`` runs only as a script (in ``setup.py`` that is at install time); ``if
        sys.argv[-1] == "publish":`` only for that command, which no installer runs: neither body is load time."""
        test = node.test
        main = isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__" \
            and not self.is_setup
        if (main or self._command_guard(test)) and self.function_depth == 0 and not self.in_main_guard:
            self.visit(test)
            self.in_main_guard = True
            for stmt in node.body:
                self.visit(stmt)
            self.in_main_guard = False
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)

    def _command_guard(self, test: ast.expr) -> bool:
        """A test of ``sys.argv`` against a word that is not a command installers run (``publish``, ``upload``)."""
        if not isinstance(test, ast.Compare):
            return False
        sides = [test.left, *test.comparators]
        argv = any(self.qualname(n) == "sys.argv" for side in sides for n in _walk(side)
                   if isinstance(n, ast.Attribute | ast.Name))
        words = [self.fold(side) for side in sides]
        return argv and any(w is not None and w.strip().lower() not in _SETUP_ARGS for w in words)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        key = self.def_keys.get(id(node), node.name)
        for dec in node.decorator_list:
            self.visit(dec)
            if self.qualname(dec) == "atexit.register":  # runs at exit: as good as called here
                self.flow.edges.append(Edge(self.owner, key, (), self._line(node), self._snippet(node), self._reach()[1]))
        method = self._method_of(node)
        self.function_depth += 1
        self._push()
        self.owners.append(key)
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if method is not None and params:
            self.selves.append((method, params[0]))
            params = params[1:]
        else:
            self.selves.append(None)
        params += [a.arg for a in node.args.kwonlyargs]
        for i, name in enumerate(params):
            self._taint(name, (f"{PARAM}{key}:{i}",))
        self.params[key] = params
        self._returns.append([])
        for field_name in ("args", "body", "returns"):
            value = getattr(node, field_name, None)
            for child in (value if isinstance(value, list) else [value] if value is not None else []):
                self.visit(child)
        returned: set[str] = set()
        for value in self._returns.pop():  # every return under the function, nested functions' too
            returned |= self.tags_of(value)
        if returned:
            self.flow.returns[key] |= returned
        self.visited.add(key)
        self.version += 1
        self.selves.pop()
        self.owners.pop()
        self._pop()
        self.function_depth -= 1

    def _method_of(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        """The class a function is a method of (not a static method), or None."""
        key = self.def_keys.get(id(node), "")
        cls = key.rsplit(".", 1)[0] if "." in key else ""
        if cls not in self.classes or any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list):
            return None
        return cls

    def visit_Return(self, node: ast.Return) -> None:
        self.generic_visit(node)
        if node.value is not None:
            for returns in self._returns:
                returns.append(node.value)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        self._assign(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if node.value is not None:
            self._assign([node.target], node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            self._taint(node.target.id, self.tags_of(node.value))
            folded = self.fold(node.value)
            if node.target.id in self.scope.strings and folded is not None and isinstance(node.op, ast.Add):
                self._set_string(node.target.id, self.scope.strings[node.target.id] + folded)
            else:
                self._set_string(node.target.id, None)

    def visit_For(self, node: ast.For) -> None:
        tags = self.tags_of(node.iter)
        if tags:
            for n in _walk(node.target):
                if isinstance(n, ast.Name):
                    self._taint(n.id, tags)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                tags = self.tags_of(item.context_expr)
                if tags:
                    for n in _walk(item.optional_vars):
                        if isinstance(n, ast.Name):
                            self._taint(n.id, tags)
                if isinstance(item.optional_vars, ast.Name):
                    self._note_handle(item.optional_vars.id, item.context_expr)
                    self._note_connection(item.optional_vars.id, item.context_expr)
        self.generic_visit(node)

    # -- files written, and then run ------------------------------------------------------------
    def _opened(self, node: ast.AST) -> tuple[ast.AST, bool] | None:
        """``open(path, mode)`` (or ``io.open``/``codecs.open``): the path expression, and whether the mode writes
        (``w``/``a``/``x``); None for anything else."""
        if not isinstance(node, ast.Call) or not node.args:
            return None
        if self.qualname(node.func) not in ("builtins.open", "io.open", "codecs.open"):
            return None
        mode_node = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
        mode = self.fold(mode_node) if mode_node is not None else "r"
        return node.args[0], mode is not None and any(c in mode for c in "wax")

    def _opened_for_writing(self, node: ast.AST) -> ast.AST | None:
        """``open(path, "wb")`` (or ``io.open``/``codecs.open``, mode ``w``/``a``/``x``): the path expression."""
        opened = self._opened(node)
        return opened[0] if opened is not None and opened[1] else None

    def _note_handle(self, name: str, value: ast.AST) -> None:
        opened = self._opened(value)
        self.handles.pop(name, None)
        self.read_handles.pop(name, None)
        if opened is not None:
            (self.handles if opened[1] else self.read_handles)[name] = opened[0]

    def _builtin_by_eval(self, value: ast.AST) -> str | None:
        """``eval("\\x65val")``: a dangerous builtin fetched by evaluating its (spelled-out) name; the name."""
        if not (isinstance(value, ast.Call) and value.args and self.qualname(value.func) == "builtins.eval"):
            return None
        name = self.fold(value.args[0])
        return name.strip() if name is not None and name.strip() in _HIDDEN_BUILTINS else None

    def _note_connection(self, name: str, value: ast.AST) -> None:
        """``conn = http.client.HTTPConnection(...)``, ``s = socket.socket()``, ``session = requests.Session()``:
        what is later sent through `name`'s methods leaves over the network."""
        q = self.qualname(value.func) if isinstance(value, ast.Call) else None
        if q in CONNECTIONS:
            self.connections[name] = q
        else:
            self.connections.pop(name, None)

    def _own_source(self, arg: ast.AST) -> bool:
        """``f.read()`` (or ``open(path).read()``, inside ``compile(...)`` or not) of a ``.py`` file the code did not
        write itself: the package's own source (``exec(f.read(), about)`` of ``__version__.py``). That file is
        analysed as itself; running it is importing it."""
        if isinstance(arg, ast.Call) and self.qualname(arg.func) == "builtins.compile" and arg.args:
            arg = arg.args[0]
        if not (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "read"):
            return False
        receiver = arg.func.value
        if isinstance(receiver, ast.Name):
            path = self.read_handles.get(receiver.id)
        else:
            opened = self._opened(receiver)
            path = opened[0] if opened is not None and not opened[1] else None
        if path is None or any(t.startswith(FILE) or t in (REMOTE, DECODED) for t in self.tags_of(path)):
            return False
        folded = self.fold(path)
        text = folded if folded is not None else self._pieces(path)[0]
        return text.rstrip().endswith(".py")

    def _record_write(self, path: ast.AST | None, content: Iterable[str], text: str = "") -> None:
        """A file written at `path` with data tagged `content`: running that path later runs what was written."""
        if path is not None and not text:
            folded = self.fold(path)
            text = folded if folded is not None else self._pieces(path)[0]
        tag = self.flow.written(text, content)
        if isinstance(path, ast.Name):
            self._taint(path.id, (tag,))

    def _downloaded_to(self, node: ast.Call, text: str) -> None:
        """A downloader command's output file (``curl -o F``, ``wget -O F``, ``Invoke-WebRequest -OutFile F``,
        ``certutil -urlcache -f URL F``): written with downloaded data."""
        items: list[ast.AST] = []
        for a in node.args:
            items += list(a.elts) if isinstance(a, ast.List | ast.Tuple) else [a]
        for i, item in enumerate(items[:-1]):
            flag = self.fold(item)
            if flag is not None and flag.strip() in ("-o", "-O", "--output", "--output-document", "-OutFile", "-outfile"):
                self._record_write(items[i + 1], {REMOTE})
                return
        m = _OUTPUT_FILE.search(text)
        if m is not None:
            self._record_write(None, {REMOTE}, m.group(1).strip("'\""))

    def _assign(self, targets: list[ast.expr], value: ast.AST) -> None:
        tags = self.tags_of(value)
        folded = self.fold(value)
        if folded is not None and len(folded) <= MAX_URL_TEXT and WEBHOOK.search(folded):
            tags = tags | {"webhook"}
        pieces = self._pieces(value) if any(isinstance(t, ast.Name) for t in targets) else ("", 0)  # kept for names only
        ints: list[int] | None = None
        if isinstance(value, ast.List | ast.Tuple) and value.elts:
            consts = [e.value for e in value.elts if isinstance(e, ast.Constant) and type(e.value) is int]
            ints = consts if len(consts) == len(value.elts) else None
        for t in targets:
            if isinstance(t, ast.Name):
                self._note_handle(t.id, value)
                self._note_connection(t.id, value)
                if (isinstance(value, ast.JoinedStr | ast.BinOp) or isinstance(value, ast.Call) and isinstance(
                        value.func, ast.Attribute) and value.func.attr in ("format", "join")) and self._built_hostname(value):
                    self.built_hosts.add(t.id)
                else:
                    self.built_hosts.discard(t.id)
                if pieces[0]:
                    self._set_path(t.id, pieces)
                if ints is not None and self.scope.ints.get(t.id) != ints:
                    self.scope.ints[t.id] = ints
                    self.version += 1
        for t in targets:
            if tags or (folded is not None and isinstance(t, ast.Name)):
                for n in _walk(t):
                    if isinstance(n, ast.Name):
                        if tags:
                            self._taint(n.id, tags)
                        if folded is not None and isinstance(t, ast.Name):
                            self._set_string(n.id, folded)
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and tags:  # d[k] = secret
                self._taint(t.value.id, tags)
            if tags and isinstance(t, ast.Attribute | ast.Subscript):  # self.x = secret, self.x[k] = secret
                attr = self._self_attr(t if isinstance(t, ast.Attribute) else t.value)
                if attr is not None:
                    self.flow.attrs[attr] |= tags
            hidden = self._builtin_by_eval(value) if isinstance(t, ast.Name) else None
            if hidden is not None and isinstance(t, ast.Name):  # e = eval("eval"): an obfuscator's loader
                self._set_alias(t.id, f"builtins.{hidden}")
                self.hidden_builtins.add(t.id)
                self.fact(Kind.OBFUSCATION, value, api=hidden, flags=("builtin-by-eval",),
                          text=f"the builtin {hidden} is fetched by evaluating its name: an obfuscator hides its loader")
            elif isinstance(t, ast.Name) and isinstance(value, ast.Name) and value.id in self.aliases:
                self._set_alias(t.id, self.aliases[value.id])  # e = exec alias chains
                if value.id in self.hidden_builtins:
                    self.hidden_builtins.add(t.id)
            elif isinstance(t, ast.Name):
                q = self.qualname(value) if isinstance(value, ast.Attribute | ast.Call | ast.Subscript) else None
                if q and (q in EXEC or q in PROCESS or q in NETWORK or q in DNS or q in DECODERS or q.startswith("builtins.")):
                    self._set_alias(t.id, q)

    def _pieces(self, node: ast.AST) -> tuple[str, int]:
        """The string literals of an expression and the path pieces of the variables in it, joined with '/'
        (in source order: ``ast.walk`` is breadth-first); and the flags of the variables' cut paths."""
        parts: list[str] = []
        flags = 0
        scope, module = self.scope, self.scopes[0]
        paths, module_paths = scope.paths, module.paths
        stack = [node]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is ast.Constant:
                value = n.value  # type: ignore[attr-defined]
                if type(value) is str and len(value) < 300:
                    parts.append(value)
            elif t is ast.Name:
                name = n.id  # type: ignore[attr-defined]
                if name in paths:
                    parts.append(paths[name])
                    flags |= scope.path_flags.get(name, 0)
                elif name in module_paths:
                    parts.append(module_paths[name])
                    flags |= module.path_flags.get(name, 0)
            else:
                kids = _children(n)
                if kids:
                    stack.extend(reversed(kids))
        return "/".join(parts), flags

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        for gen in node.generators:
            self.visit(gen.iter)
            tags = self.tags_of(gen.iter)
            pieces = self._pieces(gen.iter)
            for n in _walk(gen.target):
                if isinstance(n, ast.Name):
                    if tags:
                        self._taint(n.id, tags)
                    if pieces[0]:
                        self._set_path(n.id, pieces)
            for cond in gen.ifs:
                self.visit(cond)
        for field_name in ("elt", "key", "value"):
            child = getattr(node, field_name, None)
            if child is not None:
                self.visit(child)

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_GeneratorExp = _comprehension
    visit_DictComp = _comprehension

    def tags_of(self, node: ast.AST) -> frozenset[str]:
        """What tainted data an expression carries: the union over the expression's nodes (kept per node
        while `version` is unchanged)."""
        t = type(node)
        if t is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            return _constant_tags(value) if type(value) is str else _NO_TAGS
        if t is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            return _ENV_DUMP if self.aliases.get(name) == "os.environ" else self._name_tags(name)
        if t in _LEAVES:
            return _NO_TAGS
        if t is ast.Attribute and node.attr == "environ" and self.qualname(node) == "os.environ":  # type: ignore[attr-defined]
            return _ENV_DUMP  # the whole environment, as a value
        key = id(node)
        kept = self._tags_memo.get(key)
        if kept is not None and kept[0] == self.version:
            return kept[1]
        tags: frozenset[str] = _NO_TAGS
        if t is ast.Call or t is ast.Attribute or t is ast.Subscript:
            tags = self._node_tags(node)
            if tags is _SANITIZED:
                self._tags_memo[key] = (self.version, _NO_TAGS)
                return _NO_TAGS
        elif t is ast.Dict:
            tags = self._dict_tags(node)  # type: ignore[arg-type]
            self._tags_memo[key] = (self.version, tags)
            return tags
        scope = self.scope
        names, paths = scope.tags, scope.paths
        module_names = self.scopes[0].tags if len(self.scopes) > 1 else {}
        globs = self.module_names if len(self.scopes) > 1 else ()
        base = t is ast.Attribute or t is ast.Subscript or t is ast.Compare  # os.environ.get, os.environ[k], k in os.environ
        for field_name in _FIELDS.get(t) or _node_fields(t):  # the children, leaves answered here
            value = getattr(node, field_name, None)
            if value is None:
                continue
            for child in (value if type(value) is list else (value,)):
                ct = type(child)
                if ct is ast.Name:
                    name = child.id
                    if self.aliases.get(name) == "os.environ":
                        more = _ENV if base else _ENV_DUMP
                    elif name not in names and name not in paths and name not in module_names and name not in globs:
                        continue
                    else:
                        more = self._name_tags(name)
                elif base and ct is ast.Attribute and child.attr == "environ" and self.qualname(child) == "os.environ":
                    more = _ENV
                elif ct is ast.Constant:
                    v = child.value
                    if type(v) is not str:
                        continue
                    more = _constant_tags(v)
                elif child is None:  # dict keys of ** items
                    continue
                elif ct is ast.keyword and child.arg == "env":  # f(..., env=os.environ): configuration handed on,
                    continue  # not data the call returns (a process helper, a downloader run with the environment)
                else:
                    more = self.tags_of(child)
                if more and not more <= tags:
                    tags = tags | more
        self._tags_memo[key] = (self.version, tags)
        return tags

    def _name_tags(self, name: str) -> frozenset[str]:
        scope = self.scope
        tags = scope.tags.get(name)
        out = frozenset(tags) if tags else _NO_TAGS
        path = scope.paths.get(name)
        if path is not None and scope.path_flags.get(name, 0) & _SECRET:
            out = out | _SECRET_PATH
        module = self.scopes[0]
        if module is not scope and name not in scope.tags and name in self.module_names and \
                name not in self.locals.get(self.owner, ()):
            out = out | {GLOB + name}  # a module-level variable, as it is once the module has run (flow.py)
            more = module.tags.get(name)
            if more:
                out = out | more
        return out

    def _dict_tags(self, node: ast.Dict) -> frozenset[str]:
        """A dict's data; a secret under a key that logs in (``{"Authorization": f"Bearer {key}"}``, a password) is
        how a client uses its own key, not a leak (the whole environment or a credential file stays a secret)."""
        out: frozenset[str] = _NO_TAGS
        for k, v in zip(node.keys, node.values):
            more = self.tags_of(v) | (self.tags_of(k) if k is not None else _NO_TAGS)
            if more and k is not None and isinstance(k, ast.Constant) and isinstance(k.value, str) and \
                    _CREDENTIAL_KEY.match(k.value.strip()):
                more = _as_credential(more)
            out = out | more
        return out

    def _node_tags(self, n: ast.AST) -> frozenset[str]:
        """The tags a call, attribute or subscript adds by itself (its children are `tags_of`'s job); `_SANITIZED`
        for a call that keeps its arguments' secrets in (a digest, a signature)."""
        if type(n) is ast.Subscript:  # os.environ["AWS_SECRET_ACCESS_KEY"] (its own qualname is builtins.<key> or None)
            base = n.value
            if (type(base) is ast.Attribute and base.attr == "environ" or type(base) is ast.Name) and \
                    self.qualname(base) == "os.environ":
                return self._env_key(self.fold(n.slice))
            return _NO_TAGS
        if type(n) is ast.Attribute:  # of attributes, os.environ is a source, and self.x what the class stores in it
            if n.attr != "environ":
                attr = self._self_attr(n)
                return frozenset({ATTR + attr}) if attr is not None else _NO_TAGS
        tags: set[str] = set()
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in (
                "read_text", "read_bytes", "read") and "secret-path" in self.tags_of(n.func.value):
            tags |= _SECRET_READ
        q = self.qualname(n.func if isinstance(n, ast.Call) else n)
        if q is not None and isinstance(n, ast.Call) and q.startswith(SANITIZERS):
            return _SANITIZED
        tags |= self._source_tags(n, q)
        return frozenset(tags) if tags else _NO_TAGS

    def _env_key(self, key: str | None) -> frozenset[str]:
        """The tags of one environment variable, by its name."""
        if key is None:
            return _ENV
        if SECRET_ENV.search(key):
            return _ENV_SECRET
        return _ENV_HOST if HOST_ENV.match(key) else _ENV

    def _source_tags(self, n: ast.AST, q: str | None) -> set[str]:
        tags: set[str] = set()
        if isinstance(n, ast.Call):
            for key in self._callees(n.func):  # one of the file's functions: what it returns (resolved in flow.py)
                if key not in self.visited or self.flow.returns.get(key):
                    tags |= {RET + key, CALL + str(id(n))}
                    self.flow.calls[str(id(n))] = (key, self._arguments(key, n.args, n.keywords))
        if q is None:
            return tags
        if q in ("builtins.open", "io.open") and isinstance(n, ast.Call) and n.args and "secret-path" in self.tags_of(n.args[0]):
            tags |= _SECRET_READ
        if q == "os.environ":
            tags.add("env")
            if isinstance(n, ast.Subscript):
                tags |= self._env_key(self.fold(n.slice))
        if q in ENV_READ and isinstance(n, ast.Call):
            tags.add("env")
            if n.args:
                tags |= self._env_key(self.fold(n.args[0]))
            if q in ENV_WHOLE:
                tags |= _ENV_DUMP  # the whole environment
        if isinstance(n, ast.Call) and q in PROCESS_OUTPUT and n.args:
            command = self._command_text(n.args[0])
            if ENV_COMMANDS.match(command):
                tags |= _ENV_DUMP
            elif HOST_COMMANDS.match(command):
                tags.add(HOST_INFO)
            elif DOWNLOADER_COMMAND.match(command):  # the output of ``curl URL``: downloaded data
                tags.add(REMOTE)
        if isinstance(n, ast.Call) and q in FETCH:
            tags.add("remote")
        if isinstance(n, ast.Call) and q in DECODERS:
            tags.add("decoded")
        if isinstance(n, ast.Call) and q in ("builtins.open", "io.open", "pathlib.Path.read_text", "pathlib.Path.read_bytes") \
                or (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("read_text", "read_bytes")):
            path = self._path_text(n)
            if path is not None and _matches(path, _SECRET):
                tags |= _SECRET_READ
        if isinstance(n, ast.Call) and q in HOST_CALLS:
            tags.add(HOST_INFO)
        return tags

    def _command_text(self, node: ast.AST) -> str:
        """A command as far as it folds (a string, or a list of strings joined by spaces)."""
        folded = self.fold(node)
        if folded is None and isinstance(node, ast.List | ast.Tuple):
            parts = [self.fold(e) for e in node.elts]
            folded = " ".join(p for p in parts if p is not None)
        return folded or ""

    def _path_text(self, call: ast.Call) -> tuple[str, int] | None:
        """The literal text of a path being opened, read or written (the pieces of a join or a Path expression),
        with the flags of the cut variable paths in it (`_matches`)."""
        target: ast.AST = call.args[0] if call.args else call
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("read_text", "read_bytes", "write_text", "write_bytes"):
            target = call.func.value
        pieces = self._pieces(target)
        return pieces if pieces[0] else None

    # -- calls: the sinks ------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        q = self.qualname(node.func)
        self._edges(node, q)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("write", "writelines") and node.args:
            receiver = node.func.value
            path = self.handles.get(receiver.id) if isinstance(receiver, ast.Name) else self._opened_for_writing(receiver)
            if path is not None:
                self._record_write(path, self.tags_of(node.args[0]))
            written = self.fold(node.args[0])  # code written to a file (a temporary file run next): judged as code
            if written is not None and len(written) > 40 and id(node) not in self.analyzed and \
                    _looks_like_python(written.encode("utf-8", "replace")):
                self.analyzed.add(id(node))
                self._analyze_payload(written.encode("utf-8", "replace"), ("written to a file",), node)
        if q == "shutil.copyfileobj" and len(node.args) > 1 and isinstance(node.args[1], ast.Name) and \
                node.args[1].id in self.handles:
            self._record_write(self.handles[node.args[1].id], self.tags_of(node.args[0]))
        if isinstance(node.func, ast.Attribute) and node.func.attr in (
                "append", "extend", "update", "add", "insert", "setdefault", "write", "writelines"):
            added = set().union(*(self.tags_of(a) for a in node.args)) if node.args else set()
            if added:
                receiver = node.func.value
                if isinstance(receiver, ast.Name):
                    self._taint(receiver.id, added)
                else:
                    attr = self._self_attr(receiver)
                    if attr is not None:
                        self.flow.attrs[attr] |= added
        if q is None and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "read_text", "read_bytes", "write_text", "write_bytes", "open"):
            self._file_call(node, "")
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SEND_METHODS and isinstance(func.value, ast.Name) and \
                func.value.id in self.connections and (node.args or node.keywords):
            api = f"{self.connections[func.value.id]}.{func.attr}"
            sent = self._sink_arguments(node, api)
            if sent:
                self.fact(Kind.SEND, node, api=api, data=sent)
        if q is None:
            return
        if q.startswith("builtins.") and q.split(".", 1)[1] in ("exec", "eval", "compile", "execfile"):
            q = f"builtins.{q.split('.', 1)[1]}"
        # What the arguments carry matters only at a sink (network, DNS, process, code execution).
        args_tags: set[str] = self._sink_arguments(node, q) if (node.args or node.keywords) and q in _ARG_SINKS else set()
        import_time = self.function_depth == 0 and not self.in_main_guard

        if q in NETWORK or q in FETCH or q in DNS:
            self._callback_service(node, q)
        if q in NETWORK or q in FETCH:
            self.report.capabilities.add("network")
            self._effect("network", node)
            if q == "urllib.request.urlretrieve" and len(node.args) > 1:
                self._record_write(node.args[1], {REMOTE})
            if args_tags:
                self.fact(Kind.SEND, node, api=q, data=args_tags)
        if q in DNS:
            self.report.capabilities.add("dns")
            self._effect("dns", node)
            host = node.args[0] if node.args else None
            built = host is not None and self._built_hostname(host)
            if args_tags or built:
                named = self._secret_env_names() if args_tags else []
                self.fact(Kind.RESOLVE, node, api=q, data=args_tags, text=", ".join(named),
                          flags=("built-host",) if built else ())
        if q in PROCESS:
            self.report.capabilities.add("process")
            self._effect("process", node)
            self._process_call(node, q, args_tags)
        if q in EXEC:
            self.report.capabilities.add("dynamic-code")
            self._effect("code execution", node)
            self._exec_call(node, q, args_tags, import_time)
        if q in UNSAFE_LOAD:
            self.report.capabilities.add("dynamic-code")
            if q in ("marshal.loads", "types.CodeType") and node.args and (
                    self.fold(node.args[0]) is not None or self.decode_call(node.args[0]) is not None):
                self.fact(Kind.BLOB, node, api=q)
        if q in DECODERS:
            self._decoder(node)
        if q in SPYING:
            self.report.capabilities.add(SPYING[q])
        if q in ("winreg.SetValueEx", "_winreg.SetValueEx"):
            self.report.capabilities.add("persistence")
        if q in ("builtins.open", "io.open") or (isinstance(node.func, ast.Attribute) and node.func.attr in (
                "read_text", "read_bytes", "write_text", "write_bytes", "open")):
            self._file_call(node, q)
        if q in ("socket.socket", "socket.create_connection"):
            self._taint("<socket>", ("socket",))
        if q == "os.dup2":
            self._taint("<dup2>", ("dup2",))
        if q in ("pty.spawn", "subprocess.call", "subprocess.Popen", "os.execv", "os.execl") and "<socket>" in self.scope.tags \
                and "<dup2>" in self.scope.tags:
            self.fact(Kind.SHELL_SOCKET, node, api=q,
                      text="a shell is started on a network socket's file descriptors (socket + os.dup2 + shell)")
            self.report.capabilities.add("reverse-shell")

    def _sink_arguments(self, node: ast.Call, q: str) -> set[str]:
        """What a sink call's arguments carry. A key passed to log in (``auth=``, ``password=``) is the client's own;
        the environment handed to a process (``env=``) is not sent anywhere."""
        out: set[str] = set()
        for a in node.args:
            out |= self.tags_of(a)
        for k in node.keywords:
            if k.arg in ("env", "cwd") and q in PROCESS:
                continue
            more = self.tags_of(k.value)
            out |= _as_credential(more) if k.arg is not None and _CREDENTIAL_KEY.match(k.arg) else more
        return out

    def _effect(self, capability: str, node: ast.AST) -> None:
        """Network, DNS, process or code execution: judged once the file is read, by when the code runs."""
        self.effects.append((capability, self._line(node), self.owner, self._reach()[1], self._snippet(node)))

    # -- calls between the file's own functions -------------------------------------------------------
    def _callees(self, func: ast.AST) -> list[str]:
        """The file's functions a call target means: ``f`` (nested first), ``self.m`` / ``Class.m`` / a method name
        only one class defines, ``Class(...)`` (its ``__init__``, and ``run`` for a thread)."""
        if isinstance(func, ast.Name):
            name = func.id
            if name in self.aliases:
                return []
            for owner in reversed(self.owners):
                key = f"{owner}.{name}" if owner else name
                if key in self.defs:
                    return [key]
            cls = self.classes.get(name)
            if cls is not None:
                out = [k for k in (f"{name}.__init__", f"{name}.__new__", f"{name}.__post_init__") if k in self.defs]
                bases = {self.qualname(b) or "" for b in cls.bases}
                if bases & THREAD_BASES and f"{name}.run" in self.defs:
                    out.append(f"{name}.run")
                return out
            return []
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            base, attr = func.value.id, func.attr
            me = self.selves[-1]
            if me is not None and base == me[1]:
                for owner_class in self._class_chain(me[0]):
                    if f"{owner_class}.{attr}" in self.defs:
                        return [f"{owner_class}.{attr}"]
            if base in self.classes and f"{base}.{attr}" in self.defs and base not in self.aliases:
                return [f"{base}.{attr}"]
            method = self.methods.get(attr)
            if method is not None and base not in self.aliases:
                return [method]
        return []

    def _class_chain(self, cls: str) -> list[str]:
        """The class and its bases defined in this file (nearest first, bounded)."""
        kept = self._chains.get(cls)
        if kept is not None:
            return kept
        out = [cls]
        for name in out:
            node = self.classes.get(name)
            if node is None or len(out) > 8:
                break
            out += [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in self.classes and b.id not in out]
        self._chains[cls] = out
        return out

    def _arguments(self, key: str, args: list[ast.expr], keywords: list[ast.keyword]) -> tuple[frozenset[str], ...]:
        """The tags of each argument of a call of `key`, by the callee's parameter index."""
        params = self.params.get(key) or _param_names(self.defs.get(key))
        out = [self.tags_of(a) if not isinstance(a, ast.Starred) else _NO_TAGS for a in args]
        for k in keywords:
            if k.arg is not None and k.arg in params:
                i = params.index(k.arg)
                out += [_NO_TAGS] * (i + 1 - len(out))
                out[i] = out[i] | self.tags_of(k.value)
        return tuple(out)

    def _edges(self, node: ast.Call, q: str | None) -> None:
        """Record the calls of the file's own functions: the call itself, and functions handed to a thread, an
        exit handler or an executor (they run), or to anything else (they may run later)."""
        top = self._reach()[1]
        line, snippet = self._line(node), ""
        keys = self._callees(node.func)
        if keys:
            snippet = self._snippet(node)
        for key in keys:
            self.flow.edges.append(Edge(self.owner, key, self._arguments(key, node.args, node.keywords), line, snippet, top))
        runs = q in RUNNERS or (isinstance(node.func, ast.Attribute) and node.func.attr in RUNNER_METHODS)
        handed = [a for a in node.args if isinstance(a, ast.Name | ast.Attribute)]
        handed += [k.value for k in node.keywords if isinstance(k.value, ast.Name | ast.Attribute)]
        for value in handed:
            keys = [] if isinstance(value, ast.Name) and value.id in self.classes else self._callees(value)
            for key in keys:
                snippet = snippet or self._snippet(node)
                passed = next((k.value for k in node.keywords if k.arg == "args"), None)
                args = self._arguments(key, list(passed.elts), []) if isinstance(passed, ast.Tuple | ast.List) else ()
                self.flow.edges.append(Edge(self.owner, key, args, line, snippet, top, runs))

    def _self_attr(self, node: ast.AST) -> str | None:
        """``self.x`` inside a method of class C: "C.x" (when the class's methods set it)."""
        me = self.selves[-1]
        if me is None or not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name) or \
                node.value.id != me[1]:
            return None
        for cls in self._class_chain(me[0]):
            if node.attr in self.class_attrs.get(cls, ()):
                return f"{cls}.{node.attr}"
        return None

    def _callback_service(self, node: ast.Call, q: str) -> None:
        """A request to (or a host name resolved under) a public out-of-band testing service or request catcher:
        the request itself tells whoever reads it that, and where, the code ran (`host-beacon`)."""
        target = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("url", "host")), None)
        if target is None:
            return
        folded = self.fold(target)
        m = CALLBACK_HOST.search(folded if folded is not None else self._pieces(target)[0])
        if m is not None:
            self.fact(Kind.SEND, node, api=q, data={HOST_INFO}, flags=("callback-service",), text=m.group(0))

    def _built_hostname(self, node: ast.AST) -> bool:
        """A host name made of constants and variables (an f-string, a join, a format, a concatenation), or a
        variable that holds one."""
        if isinstance(node, ast.Name):
            return node.id in self.built_hosts
        if not isinstance(node, ast.JoinedStr | ast.BinOp | ast.Call) or self.fold(node) is not None:
            return False
        nodes = list(ast.walk(node))
        if not any(isinstance(n, ast.Name | ast.Call | ast.Attribute | ast.Subscript) for n in nodes[1:]):
            return False

        def domainish(values: Iterable[str]) -> bool:
            return any("." in c and re.search(r"[A-Za-z]", c) and not _LOCAL_SUFFIX.match(c) for c in values)

        constant = [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        # the domain may sit in a variable: f"{data}.{DOMAIN}"
        return domainish(constant) or domainish(self._pieces(node)[0].split("/"))

    def _process_call(self, node: ast.Call, q: str, tags: set[str]) -> None:
        folded = [self.fold(a) for a in node.args]
        text = " ".join(c for c in folded if c) + " " + " ".join(
            n.value for a in node.args for n in ast.walk(a) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        hidden = [f for a, f in zip(node.args, folded) if f and not isinstance(a, ast.Constant) and any(
            isinstance(n, ast.Call) and self.qualname(n.func) in ("builtins.chr", "bytes.fromhex") or
            isinstance(n, ast.Name) and n.id in self.scope.ints for n in ast.walk(a))]
        if hidden:
            self.fact(Kind.OBFUSCATION, node, api=q, flags=("chr-command",),
                      text=f"the command for {q} is spelled with character codes: {_escape(hidden[0], 100)}")
        # the path pieces of variable arguments too (``cmd = tmp + "\\x.exe"``): a file the code wrote is
        # matched by its name against the fact's text; command lines are judged on `text` alone
        pieces = " ".join(self._pieces(a)[0] for a in node.args if not isinstance(a, ast.Constant))
        run = self.fact(Kind.RUN, node, api=q, data=tags, text=f"{text} {pieces}".strip())
        self.report.facts += command_facts(text, run)
        if network_command(text):
            self._downloaded_to(node, text)
        if network_command(text) and SECRET in tags:
            self.fact(Kind.SEND, node, api=q, data=tags, flags=("command",),
                      text=f"secret or environment data is passed to a network command run with {q}")
        if PERSISTENCE.search(text):
            self.report.capabilities.add("persistence")

    def _exec_call(self, node: ast.Call, q: str, tags: set[str], import_time: bool) -> None:  # noqa: ARG002
        arg = node.args[0] if node.args else None
        if arg is None:
            return
        decoded = self.decode_call(arg)
        literal = self.fold(arg)
        name = q.split(".")[-1]
        if decoded is not None:
            payload, chain = decoded
            self.fact(Kind.EXEC, node, api=name, data=tags, flags=("decoded-literal",), text=" → ".join(chain))
            if id(arg) not in self.analyzed:  # the decoder call itself was visited first, and analyzed it
                self._analyze_payload(payload, chain, node)
        elif tags & {REMOTE, DECODED}:
            self.fact(Kind.EXEC, node, api=name, data=tags)
        elif literal is not None:
            self.fact(Kind.EXEC, node, api=name, data=tags, flags=("literal",))
            if len(literal) > 20:  # code in a string: what it does is judged, not that it is a string
                self._analyze_payload(literal.encode("utf-8", "replace"), ("string literal",), node)
        elif self._own_source(arg):
            self.fact(Kind.EXEC, node, api=name, data=tags, flags=("own-source",), text=self._pieces(arg)[0][:300])
        else:
            hidden = isinstance(node.func, ast.Name) and node.func.id in self.hidden_builtins
            self.fact(Kind.EXEC, node, api=name, data=tags, flags=("computed", "hidden-builtin") if hidden else
                      ("computed",), text=self._pieces(arg)[0][:300])

    def _decoder(self, node: ast.Call) -> None:
        decoded = self.decode_call(node)
        if decoded is None:
            return
        payload, chain = decoded
        if len(payload) >= 64 and _looks_like_python(payload):
            self.fact(Kind.ENCODED, node, text=" → ".join(chain), flags=("serious",))
            self._analyze_payload(payload, chain, node)
            self.analyzed.add(id(node))

    def _analyze_payload(self, payload: bytes, chain: tuple[str, ...], node: ast.AST) -> None:
        if self.depth >= MAX_LAYERS:
            return
        text = payload.decode("utf-8", "replace")
        inner = analyze_source(self.path, text, chain=(*self.chain, *chain), line_offset=self._line(node) - 1,
                               depth=self.depth + 1, setup=self.is_setup, judge=False)
        line = self._line(node)
        self.report.facts += [replace(f.at(line, f" (inside the decoded payload, line {f.line - line + 1})"),
                                      owner=self.owner) for f in inner.facts]
        self.report.capabilities |= inner.capabilities

    def _file_call(self, node: ast.Call, q: str) -> None:
        pieces = self._path_text(node)
        if pieces is None:
            return
        path = pieces[0]
        secret = _matches(pieces, _SECRET)
        if not secret and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "read_text", "read_bytes") and "secret-path" in self.tags_of(node.func.value):
            path = f"{path} (a credential store)" if path else "a credential store"
            self.report.capabilities.add("credential-files")
            self.fact(Kind.READ, node, api=q, text=path, flags=("secret-path", "named-store"))
            return
        if secret:
            self.report.capabilities.add("credential-files")
            self.fact(Kind.READ, node, api=q, text=_escape(path, 60), flags=("secret-path",))
        mode = self.fold(node.args[1]) if len(node.args) > 1 else None
        writes = (mode is not None and any(c in mode for c in "wa")) or (
            isinstance(node.func, ast.Attribute) and node.func.attr in ("write_text", "write_bytes"))
        if writes and _matches(pieces, _PERSIST):
            self.report.capabilities.add("persistence")
            self.fact(Kind.WRITE, node, api=q, text=_escape(path, 60), flags=("persistence",))
        if writes:
            content = node.args[0] if isinstance(node.func, ast.Attribute) and node.func.attr in (
                "write_text", "write_bytes") and node.args else None
            if content is not None and isinstance(node.func, ast.Attribute):
                self._record_write(node.func.value, self.tags_of(content))
            text = self.fold(content) if content is not None else None
            if text is not None and len(text) > 40 and _looks_like_python(text.encode("utf-8", "replace")):
                self._analyze_payload(text.encode("utf-8", "replace"), ("written to a file",), node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if type(node.value) is not str or not _constant_hint(node.value):
            return
        if isinstance(node.value, str) and WEBHOOK.search(node.value):
            self.report.capabilities.add("webhook")
            self.fact(Kind.WEBHOOK_URL, node)
        if isinstance(node.value, str) and PACKERS.search(node.value):
            self.fact(Kind.OBFUSCATION, node, flags=("packer",), text="a PyArmor-style packed runtime")

    # -- the module as a whole --------------------------------------------------------------------
    def finish(self, tree: ast.Module) -> None:
        """Resolve what flows through the file's functions and which of them run at load or install time; then
        the load-time effects, the install command overrides and code hidden after whitespace."""
        commands = self._install_commands() if self.is_setup else []
        install: set[str] = set()
        for _, _, keys in commands:
            install |= set(keys) | self.flow.reached(keys)
        loaded = self.flow.reached([""])
        module_reach = Reach.INSTALL if self.is_setup else Reach.LOAD
        reach_of: dict[str, tuple[Reach, bool]] = {"": (module_reach, True)}
        reach_of.update({fn: (module_reach, False) for fn in loaded})
        reach_of.update({fn: (Reach.INSTALL, False) for fn in install})
        self._resolve(reach_of)
        where = "install time (setup.py)" if self.is_setup else "import time"
        always = self.is_setup or self.depth > 0
        for cap, line, owner, top, snippet in self.effects:
            if cap != "code execution" and (top or owner in loaded):
                self.fact_at(Kind.LOAD_EFFECT, line, snippet=snippet, api=cap, text=f"at {where}", reach=module_reach,
                             flags=() if always else ("if-loaded",))
        for cls, bases, keys in commands:
            self._install_hook(cls, bases, set(keys) | self.flow.reached(keys))
        long_lines = [(i, text) for i, text in enumerate(self.lines, 1) if len(text) > HIDDEN_WHITESPACE]
        for i, text in long_lines:
            m = _HIDDEN_CODE.search(text)
            if m and _HIDDEN_WORDS.search(m.group(1)):
                self.fact_at(Kind.OBFUSCATION, i + self.offset, snippet=_escape(m.group(1)), flags=("hidden-code",),
                             text=f"code hidden after {m.start(1)} characters of a line, most of them whitespace")

    def _resolve(self, reach_of: dict[str, tuple[Reach, bool]]) -> None:
        """Placeholders replaced (flow.py), facts raised at the calls their parameters come from, and facts in
        functions that run at load or install time given that reach."""
        flow = self.flow
        module = self.scopes[0]
        flow.globals = {name: frozenset(tags) for name, tags in module.tags.items()}
        for name, flags in module.path_flags.items():
            if flags & _SECRET:
                flow.globals[name] = flow.globals.get(name, _NO_TAGS) | _SECRET_PATH
        facts = []
        for f in self.report.facts:
            if f.kind is Kind.RUN or (f.kind is Kind.EXEC and "line-scan" not in f.flags):
                named = flow.files_named(f.text)
                if named:
                    f = replace(f, data=f.data | named)
            facts.append(replace(f, data=flow.expand(f.data)) if any(placeholder(t) for t in f.data) else f)
        facts += flow.propagate(facts, reach_of)
        out = []
        for f in facts:
            if f.reach is Reach.CALL and f.owner and f.owner in reach_of:
                f = replace(f, reach=reach_of[f.owner][0])
            out.append(f)
        self.report.facts = out

    def _install_commands(self) -> list[tuple[ast.ClassDef, set[str], list[str]]]:
        """setup.py's classes that override an install command: (class, its command bases, its methods' keys)."""
        out = []
        for name, cls in self.classes.items():
            bases = {(self.qualname(b) or "").rsplit(".", 1)[-1] for b in cls.bases} & INSTALL_COMMANDS
            if bases:
                self.report.capabilities.add("install-hook")
                out.append((cls, bases, [k for k in self.defs if k.startswith(f"{name}.") and k.count(".") == 1]))
        return out

    def _install_hook(self, cls: ast.ClassDef, bases: set[str], functions: set[str]) -> None:
        """An install command override with network, process or code execution in what it runs (its methods and the
        functions they call). Build commands compile: a process there (cmake, a compiler) is not counted."""
        build = bases <= BUILD_COMMANDS
        sinks: dict[str, int] = {}
        body = range(cls.lineno + self.offset, (cls.end_lineno or cls.lineno) + self.offset + 1)
        for cap, line, owner, _, _ in self.effects:
            if (owner in functions or (not owner and line in body)) and not (build and cap == "process"):
                sinks[cap] = min(sinks.get(cap, line), line)
        if sinks:
            first = min(sinks.values())
            self.fact_at(Kind.HOOK, first, reach=Reach.INSTALL,
                         text=f"setup.py overrides the {', '.join(sorted(bases))} command (class {cls.name}, line "
                              f"{cls.lineno + self.offset}) with {' and '.join(sorted(sinks))}: it runs when the package "
                              "is installed")


def _constant_hint(value: str) -> bool:
    """False when neither WEBHOOK nor PACKERS can match `value`: every match of theirs contains one of
    these words, lower-cased (str.lower folds at least what re.IGNORECASE folds for these letters). Five
    substring tests cost about a tenth of one case-insensitive regex scan."""
    low = value.lower()
    return "hook" in low or "telegram" in low or "/bot" in low or "rmor" in low or "pytransform" in low

_HIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "getattr", "globals"}
_ARG_SINKS = NETWORK | FETCH | DNS | PROCESS | EXEC
_HIDDEN_CODE = re.compile(rf"[ \t]{{{HIDDEN_WHITESPACE},}}(\S.*)$")
_HIDDEN_WORDS = re.compile(r"(import|exec|eval|__import__|\bos\.|subprocess|base64)")
_OUTPUT_FILE = re.compile(r"(?:\s-o|\s-O|--output(?:-document)?|-OutFile)\s+(\"[^\"]+\"|'[^']+'|\S+)", re.IGNORECASE)
_LOCAL_SUFFIX = re.compile(r"^\.?(local|localdomain|lan|home|internal|localhost|home\.arpa)\.?$", re.IGNORECASE)


# Fields that never hold a node worth visiting: names, contexts (Load/Store) and operators (Add, Eq, ...).
_NOT_CHILDREN = {"ctx", "op", "ops", "id", "attr", "name", "arg", "module", "level", "kind", "type_comment",
                 "conversion", "is_async", "tag"}
_FIELDS: dict[type, tuple[str, ...]] = {}
_DISPATCH: dict[type, Callable[[PythonAnalyzer, Any], None]] = {}
# Nodes whose children (if any) carry no taint: tags_of answers them without a memo entry.
_LEAVES = frozenset({ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal, ast.alias})
_NO_TAGS: frozenset[str] = frozenset()
_SECRET_PATH = frozenset({"secret-path"})
_ENV = frozenset({"env"})
_ENV_SECRET = frozenset({"env", "secret"})
_ENV_HOST = frozenset({"env", HOST_INFO})
_ENV_DUMP = frozenset({"env", "secret", ENV_DUMP})  # the whole environment
_SECRET_READ = frozenset({"secret", SECRET_FILE})  # a credential store's content
_SANITIZED = frozenset({"<sanitized>"})


def _as_credential(tags: frozenset[str]) -> frozenset[str]:
    """A secret-named variable used to log in (an Authorization header, a password) is how a client uses its own
    key, not a leak; the whole environment or a credential file there is still a secret."""
    if "secret" in tags and not tags & {ENV_DUMP, SECRET_FILE}:
        return tags - {"secret"}
    return tags


def _param_names(fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> list[str]:
    if fn is None:
        return []
    return [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)]


def _method(cls: type) -> Callable[[PythonAnalyzer, Any], None]:
    """The visitor method for a node type (`generic_visit` when there is none; nothing for non-nodes)."""
    if not issubclass(cls, ast.AST):
        method: Callable[[PythonAnalyzer, Any], None] = _visit_nothing
    else:
        method = getattr(PythonAnalyzer, "visit_" + cls.__name__, PythonAnalyzer.generic_visit)
    _DISPATCH[cls] = method
    return method


def _visit_nothing(analyzer: PythonAnalyzer, value: object) -> None:
    return None


def _node_fields(cls: type) -> tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = () if cls is ast.Constant else tuple(
            f for f in getattr(cls, "_fields", ()) if f not in _NOT_CHILDREN)
    return fields


def _children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` in the same order, without contexts and operators."""
    out: list[ast.AST] = []
    for name in _node_fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            out.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _walk(node: ast.AST) -> Iterable[ast.AST]:
    """Every node under `node` (and itself), contexts and operators left out; order not guaranteed."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(_children(n))


@functools.lru_cache(maxsize=4096)
def _constant_tags(value: str) -> frozenset[str]:
    tags = set()
    if SECRET_PART.search(value) or SECRET_PATHS.search(value):
        tags.add("secret-path")
    if WEBHOOK.search(value):
        tags.add("webhook")
    return frozenset(tags) if tags else _NO_TAGS


_SECRET, _PERSIST = 1, 2  # path flags: SECRET_PATHS, PERSISTENCE matched


@functools.lru_cache(maxsize=8192)
def _text_matches(text: str, flag: int) -> bool:
    return (SECRET_PATHS if flag == _SECRET else PERSISTENCE).search(text) is not None


def _path_flags(text: str) -> int:
    return (_SECRET if _text_matches(text, _SECRET) else 0) | (_PERSIST if _text_matches(text, _PERSIST) else 0)


def _matches(pieces: tuple[str, int], flag: int) -> bool:
    """Whether a path (text, flags of the cut variable paths in it) matches SECRET_PATHS or PERSISTENCE."""
    return bool(pieces[1] & flag) or _text_matches(pieces[0], flag)


def _looks_like_python(payload: bytes) -> bool:
    text = payload[:4096].decode("utf-8", "replace")
    return bool(re.search(r"(^|\n)\s*(import |from \S+ import |def |exec\(|eval\(|__import__)", text))


def _decode(kind: str, data: bytes) -> bytes | None:
    try:
        if kind == "base64":
            return base64.b64decode(data + b"=" * (-len(data.rstrip(b"=")) % 4), validate=False)
        if kind == "base32":
            return base64.b32decode(data)
        if kind == "hex":
            return binascii.unhexlify(re.sub(rb"\s", b"", data))
        if kind == "ascii85":
            return base64.a85decode(data)
        if kind == "base85":
            return base64.b85decode(data)
        if kind == "rot13":
            return codecs.decode(data.decode("latin-1"), "rot13").encode("latin-1")
        if kind in ("zlib", "gzip"):
            d = zlib.decompressobj(zlib.MAX_WBITS | 32 if kind == "gzip" else zlib.MAX_WBITS)
            out = d.decompress(data, MAX_DECODED)
            return out
        if kind == "bz2":
            b = bz2.BZ2Decompressor()
            return b.decompress(data, MAX_DECODED)
        if kind == "lzma":
            lz = lzma.LZMADecompressor()
            return lz.decompress(data, MAX_DECODED)
    except (ValueError, binascii.Error, zlib.error, OSError, lzma.LZMAError, EOFError):
        return None
    return None


_TOLERANT = [
    (re.compile(r"\bexec\b\s*\(?\s*(urllib2?|urllib\.request|requests)\.\w+\("), REMOTE,
     "code downloaded from the network is executed"),
    (re.compile(r"\b(exec|eval)\s*\(\s*(base64|codecs|zlib|marshal|__import__)"), DECODED, "exec/eval of decoded data"),
]


def analyze_source(path: str, text: str, *, chain: tuple[str, ...] = (), line_offset: int = 0, depth: int = 0,
                   setup: bool = False, judge: bool = True) -> FileReport:
    """Analyze one file's Python source: its facts, and (with `judge`) the rules' findings on them. Never raises
    for bad input."""
    too_big = _too_big(text)
    if too_big:
        report = _line_scan(path, text, chain, line_offset, parsed=True, partial=too_big)
    else:
        report = _parsed(path, text, chain, line_offset, depth, setup)
    if judge:
        is_setup = setup or path.rsplit("/", 1)[-1] == "setup.py"
        report.hits = evaluate(report.facts, Context(path, "python", is_setup,
                                                     loaded=is_setup or depth > 0 or path.endswith("__init__.py")))
    return report


def _parsed(path: str, text: str, chain: tuple[str, ...], line_offset: int, depth: int, setup: bool) -> FileReport:
    analyzer = PythonAnalyzer(path, text, chain, line_offset, depth)
    analyzer.is_setup = analyzer.is_setup or setup
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _tolerant(path, text, chain, line_offset)
    try:
        analyzer.collect(tree)
        analyzer.visit(tree)
        analyzer.finish(tree)
    except RecursionError:
        analyzer.fact_at(Kind.OBFUSCATION, 1 + line_offset, snippet="", flags=("too-deep",),
                         text="nested too deeply to analyze")
    return analyzer.report


def _too_big(text: str) -> str:
    """Why a file is too large to parse, or "" (the token count is only estimated for files that could be)."""
    if len(text) > MAX_AST_CHARS:
        return f"{len(text):,} characters, over the {MAX_AST_CHARS:,} parsed: only scanned line by line"
    if len(text) > MAX_AST_TOKENS // 2:
        tokens = _TOKEN.subn("", text)[1]  # counts without building a list of the tokens
        if tokens > MAX_AST_TOKENS:
            return f"about {tokens:,} tokens, over the {MAX_AST_TOKENS:,} parsed: only scanned line by line"
    return ""


def _tolerant(path: str, text: str, chain: tuple[str, ...], offset: int) -> FileReport:
    """A file that does not parse: report that, and look for the obvious sinks line by line."""
    report = _line_scan(path, text, chain, offset, parsed=False)
    report.facts.insert(0, Fact(Kind.UNPARSEABLE, 1 + offset, chain=chain, reach=Reach.LOAD, top=True,
                                text="the file is not valid Python: it cannot be analyzed fully (and may be hiding code)"))
    return report


def _line_scan(path: str, text: str, chain: tuple[str, ...], offset: int, *, parsed: bool, partial: str = "") -> FileReport:
    """The obvious sinks, line by line: for files that do not parse or are too large to parse."""
    report = FileReport(path, parsed=parsed, partial=partial)
    for i, line in enumerate(text.splitlines(), 1):
        for pattern, tag, message in _TOLERANT:
            if pattern.search(line):
                report.facts.append(Fact(Kind.EXEC, i + offset, "exec", frozenset({tag}), message,
                                         frozenset({"line-scan"}), chain, _escape(line), Reach.LOAD, True))
    return report


def analyze_pth(path: str, text: str) -> FileReport:
    """A ``.pth`` file: lines starting with ``import`` run at every interpreter start."""
    report = FileReport(path)
    for i, line in enumerate(text.splitlines(), 1):
        if not re.match(r"\s*import[ \t]", line):
            continue
        report.capabilities.add("pth-exec")
        inner = analyze_source(path, line, line_offset=i - 1, depth=1)
        dangerous = [h for h in inner.hits if h.severity.rank >= Severity.MEDIUM.rank]
        report.capabilities |= inner.capabilities
        sinks = inner.capabilities & {"network", "dns", "process", "credential-files", "reverse-shell"}
        if dangerous or sinks:
            report.facts.append(Fact(
                Kind.HOOK, i, snippet=_escape(line), reach=Reach.STARTUP, top=True,
                text=f".pth line runs code at every Python start-up with {', '.join(sorted(sinks)) or 'suspicious calls'}"))
        report.facts += inner.facts
    report.hits = evaluate(report.facts, Context(path, "python"))
    return report


def iter_hits(reports: Iterable[FileReport]) -> Iterable[tuple[str, CodeHit]]:
    for r in reports:
        for h in r.hits:
            yield r.path, h
