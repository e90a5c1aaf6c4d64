import atexit
import os
import subprocess
import tempfile
import threading

_CACHE = {}


def _warm():
    _CACHE["settings"] = {k: v for k, v in os.environ.items() if k.startswith("DEVRUNNER_")}


threading.Thread(target=_warm, daemon=True).start()


def run(cmd):
    env = dict(os.environ, LC_ALL="C")
    return subprocess.run(cmd, env=env, capture_output=True, check=False)


def run_script(lines):
    path = os.path.join(tempfile.gettempdir(), "devrunner_step.sh")
    with open(path, "w") as fh:
        fh.write("set -e\n")
    return subprocess.run(["sh", path], check=False)


atexit.register(_CACHE.clear)
