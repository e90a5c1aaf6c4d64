"""The text front-end: command lines (shell, PowerShell, ``cmd``) and scripts, read as text, never run.

A command line comes from a program's process call (``os.system``, ``child_process.exec``), from an
npm install script, or from a line of a shell, PowerShell or batch file a package ships. What it does
that matters becomes `Fact`s, placed like the fact of the call that runs it:

- `FETCH_RUN`: it downloads and runs code (``curl … | sh``, ``wget … && ./x``, ``iwr … | iex``,
  ``powershell -EncodedCommand``, ``certutil -urlcache``, ``bitsadmin /transfer``, ``mshta http…``);
- `SEND` (`command`): a network tool sends the environment, a secret variable or a credential file;
- `READ` (`command`, `secret-path`): it reads a credential store;
- `SHELL_SOCKET`: it opens a reverse shell (``/dev/tcp``, ``nc -e``, ``bash -i >&``);
- `WRITE` (`command`, `persistence`): it touches a place that runs code later (cron, rc files, Run keys).
"""

from __future__ import annotations

import re
from dataclasses import replace

from chainwarden.analyze.code.facts import HOST_INFO, SECRET, Fact, Kind
from chainwarden.analyze.code.patterns import CALLBACK_HOST, PERSISTENCE, SECRET_PATHS
from chainwarden.model import printable

LOOKUP_TOOL = re.compile(r"\b(nslookup|dig|host|ping|Resolve-DnsName)\b", re.IGNORECASE)
NET_TOOL = re.compile(r"\b(curl|wget|nc|ncat|netcat|Invoke-WebRequest|iwr|Invoke-RestMethod|irm)\b", re.IGNORECASE)
_FETCH = r"(curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)"
DOWNLOAD_RUN = re.compile(
    # piped into an interpreter: curl … | sh, wget -qO- … | python3, iwr … | iex
    r"\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?((ba|z|da|k)?sh|python[23]?(\.\d+)?|perl|ruby|node|php)\b"
    rf"|\b{_FETCH}\b[^\n]*\|\s*(iex|invoke-expression)\b"
    rf"|\b(iex|invoke-expression)\b\s*\(*\s*(\(?\s*new-object\s+(system\.)?net\.webclient\s*\)?\s*\.\s*downloadstring|{_FETCH}\b)"
    # downloaded, then run: curl -o f … && ./f, wget … ; sh f, … && start f.exe, -OutFile f; Start-Process f
    r"|\b(curl|wget)\b[^\n]*?(&&|;|\|\||&)\s*(sudo\s+)?((ba|z|da)?sh\s|source\s|\.\s+/|chmod\s+[+0-7ugoax]+|node\s|"
    r"python[23]?\s|perl\s|\./|start\s+\S|cmd\s+/c|call\s|msiexec|rundll32|regsvr32)"
    rf"|\b{_FETCH}\b[^\n]*-outfile[^\n]*\b(start-process|saps|invoke-item|ii|start)\b"
    r"|downloadfile\s*\([^\n]*\b(start-process|saps|invoke-item|start)\b"
    # encoded or hidden PowerShell, Windows' own downloaders and script hosts
    r"|powershell[^\n]*(\s-e(nc(odedcommand)?)?\b|\biex\b|invoke-expression|downloadstring|downloadfile"
    r"|-w(indowstyle)?\s+hidden)"
    r"|\bcertutil\b[^\n]*-urlcache|\bbitsadmin\b[^\n]*/transfer|\bmshta\s+[\"']?(https?:|vbscript:|javascript:)",
    re.IGNORECASE)
HOST_IN_SHELL = re.compile(r"\$\(\s*(whoami|hostname|id|uname|pwd)\b|`\s*(whoami|hostname|id|uname|pwd)\b|"
                           r"\$\{?(USER|USERNAME|LOGNAME|HOSTNAME)\b|%(USERNAME|COMPUTERNAME|USERDOMAIN)%|"
                           r"\$env:(USERNAME|COMPUTERNAME|USERDOMAIN)\b", re.IGNORECASE)
ENV_IN_SHELL = re.compile(r"(^|[|;&(`]\s*)(env|printenv|set)\s*(\||>|$)|\$\{?[A-Z0-9_]*(TOKEN|SECRET|PASSWORD|_KEY|"
                          r"AWS_[A-Z_]+)\b")
REVERSE_SHELL = re.compile(r"/dev/tcp/|\bnc(at)?\b[^|;&\n]*\s-[a-z]*e\s|\bbash\s+-i\b[^\n]*[<>]&|mkfifo[^\n]*\bnc\b"
                           r"|\bnc\b.*-e\b|ncat .*-e", re.IGNORECASE)


def secret_path(text: str) -> str:
    """The credential store a text names (the matched part), or ""."""
    m = SECRET_PATHS.search(text)
    return m.group(0) if m else ""


def command_facts(command: str, base: Fact) -> list[Fact]:
    """What the command line `command` does, as facts placed like `base` (the call that runs it: its line,
    reach and api; `base.via` is kept)."""
    out: list[Fact] = []
    api = base.api
    suffix = f" ({api})" if api else ""

    def fact(kind: Kind, text: str, *flags: str, data: frozenset[str] = frozenset()) -> None:
        out.append(replace(base, kind=kind, text=text, flags=frozenset(flags), data=data))

    if DOWNLOAD_RUN.search(command):
        fact(Kind.FETCH_RUN, "a command downloads and runs code (curl | sh, download then run, an encoded PowerShell "
                             f"command){suffix}")
    if NET_TOOL.search(command) and (ENV_IN_SHELL.search(command) or SECRET_PATHS.search(command)):
        fact(Kind.SEND, "a command sends the environment, a secret variable or a credential file with a network "
                        f"tool{suffix}", "command", data=frozenset({SECRET}))
    elif NET_TOOL.search(command) and HOST_IN_SHELL.search(command):
        fact(Kind.SEND, api or "a network command", "command", data=frozenset({HOST_INFO}))
    elif (NET_TOOL.search(command) or LOOKUP_TOOL.search(command)) and CALLBACK_HOST.search(command):
        callback = CALLBACK_HOST.search(command)
        fact(Kind.SEND, callback.group(0) if callback else "", "command", "callback-service",
             data=frozenset({HOST_INFO}))
    elif SECRET_PATHS.search(command):
        fact(Kind.READ, printable(secret_path(command).strip(), 60), "command", "secret-path")
    if REVERSE_SHELL.search(command):
        fact(Kind.SHELL_SOCKET, f"a command opens a reverse shell{suffix}")
    if PERSISTENCE.search(command):
        fact(Kind.WRITE, command, "command", "persistence")
    return out


def network_command(command: str) -> bool:
    """The command line runs a network tool (curl, wget, nc, Invoke-WebRequest, ...)."""
    return NET_TOOL.search(command) is not None
