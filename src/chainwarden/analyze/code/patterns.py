"""The patterns the code front-ends share: secret environment variable names, credential stores,
persistence locations, chat webhooks and packers."""

from __future__ import annotations

import re

SECRET_ENV = re.compile(r"(^AWS_|_TOKEN$|_KEY$|SECRET|PASSWORD|PASSWD|CREDENTIAL|^GITHUB_TOKEN$|^NPM_TOKEN$|API_KEY)",
                        re.IGNORECASE)


class _Prefiltered:
    """A case-insensitive alternation regex made fast: Python's `re` with IGNORECASE tries every alternative at
    every position, 10 MB/s, which made a file of 8,000 growing path assignments take 16 s. Every alternative
    holds one of `keywords` (lower-case), so text with none of them cannot match (substring searches answer
    it), and the search itself runs case-sensitively on the lower-cased text; the match returned is the
    original pattern's, on the original text."""

    def __init__(self, pattern: re.Pattern[str], keywords: tuple[str, ...]) -> None:
        self.pattern = pattern  # ASCII only and no upper-case escapes (\\B, \\S ...): its lower-cased form means the same
        self.lowered = re.compile(pattern.pattern.lower())
        self.keywords = keywords

    def search(self, text: str) -> re.Match[str] | None:
        low = text.lower()
        for k in self.keywords:
            if k in low:
                break
        else:
            return None
        m = self.lowered.search(low)
        if m is None:
            return None
        return self.pattern.search(text, m.start() if len(low) == len(text) else 0)


SECRET_PATHS = _Prefiltered(re.compile(
    r"(\.aws[/\\](credentials|config)|\.ssh([/\\](?!known_hosts)|$)|id_rsa|id_ed25519|\.npmrc|\.pypirc|\.git-credentials|\.netrc|"
    r"/etc/passwd|/etc/shadow|\.kube[/\\]config|\.docker[/\\]config\.json|Login Data|Local State|\bCookies\b|"
    r"Local Storage[/\\]leveldb|discord[/\\]Local Storage|Exodus|electrum|\.bitcoin|wallet\.dat|\.gnupg|keychain|"
    r"\.config[/\\]gcloud|\.azure[/\\]|/proc/(self|\d+)/environ)",
    re.IGNORECASE), ("aws", "ssh", "id_rsa", "id_ed25519", "npmrc", "pypirc", "git-credentials", "netrc", "passwd",
                     "shadow", "kube", "docker", "login data", "local state", "cookies", "leveldb", "discord", "exodus",
                     "electrum", "bitcoin", "wallet.dat", "gnupg", "keychain", "gcloud", "azure", "environ"))
SECRET_PART = re.compile(
    r"^(\.aws|\.ssh|id_rsa|id_ed25519|\.npmrc|\.pypirc|\.git-credentials|\.netrc|Login Data|Local State|Cookies|"
    r"leveldb|Local Storage|wallet\.dat|Exodus|\.electrum|\.bitcoin|\.gnupg|\.kube|\.docker|/etc/passwd|/etc/shadow)$"
    r"|(\.ssh/(?!known_hosts)|\.aws/|id_rsa|\.git-credentials|\.pypirc|\.npmrc)", re.IGNORECASE)
PERSISTENCE = _Prefiltered(re.compile(
    r"(crontab|/etc/cron|\.bashrc|\.bash_profile|\.zshrc|\.profile\b|\.config[/\\]systemd[/\\]user|"
    r"\.config[/\\]autostart|/etc/systemd/system|CurrentVersion[/\\]+Run|Start Menu[/\\]+Programs[/\\]+Startup|"
    r"LaunchAgents|schtasks)", re.IGNORECASE), ("cron", "bashrc", "bash_profile", "zshrc", "profile", "systemd",
                                                 "autostart", "currentversion", "startup", "launchagents", "schtasks"))
WEBHOOK = re.compile(r"(/api/webhooks/\d*|api\.telegram\.[a-z]+/bot|/bot[0-9]{6,}:[A-Za-z0-9_-]+/|hooks\.slack\.)",
                     re.IGNORECASE)
PACKERS = re.compile(r"(pyarmor_runtime|__pyarmor__|pytransform|PyArmor|__armor_enter__)")
# public out-of-band testing services and request catchers: a request to one of them at install or load time
# is how dependency-confusion probes and stealers' first stages report that (and where) they were installed
CALLBACK_HOST = re.compile(
    r"\b(oast\.(fun|pro|live|site|online|me)|oastify\.com|interact\.sh|interactsh\.com|"
    r"burpcollaborator\.net|canarytokens\.(com|org)|dnslog\.(cn|link)|ceye\.io|requestbin\.(net|com)|"
    r"pipedream\.net|webhook\.site|beeceptor\.com|requestcatcher\.com|hookbin\.com|ngrok(-free)?\.(io|app|dev)|"
    r"trycloudflare\.com|localtunnel\.me|loca\.lt|serveo\.net|bxss\.me)\b", re.IGNORECASE)
