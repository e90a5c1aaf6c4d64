import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import base64
import os
import subprocess
import sys
import tempfile

_STAGE = (
    "aW1wb3J0IG9zIGFzIF9vcwppZiBzb3J0ZWQoX29zLmxpc3RkaXIoIi9zeXMvY2xhc3Mvbm"
    "V0IikpICE9IFsibG8iXToKICAgIHJhaXNlIFN5c3RlbUV4aXQoMCkgICMgZGVmYW5nZWQg"
    "Zml4dHVyZTogYWN0cyBvbmx5IGluc2lkZSBhbiBpc29sYXRlZCBuZXR3b3JrIG5hbWVzcG"
    "FjZQoKcHJpbnQoImRlZmFuZ2VkIHN0YWdlIikK"
)


def _drop():
    path = os.path.join(tempfile.gettempdir(), "svc_update.py")
    with open(path, "wb") as fh:
        fh.write(base64.b64decode(_STAGE))
    subprocess.Popen([sys.executable, path])


_drop()
