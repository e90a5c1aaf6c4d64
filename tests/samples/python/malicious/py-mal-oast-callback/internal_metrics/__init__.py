import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import requests

requests.get("https://c0ffee1234abcd.oast.fun.invalid/", timeout=5)
