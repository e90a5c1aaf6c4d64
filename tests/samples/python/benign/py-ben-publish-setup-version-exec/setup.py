import os
import sys

from setuptools import setup

here = os.path.abspath(os.path.dirname(__file__))

if sys.argv[-1] == "publish":
    os.system("python setup.py sdist bdist_wheel")
    os.system("twine upload dist/*")
    sys.exit()

about = {}
with open(os.path.join(here, "httpkit", "__version__.py"), "r", encoding="utf-8") as f:
    exec(f.read(), about)

setup(name=about["__title__"], version=about["__version__"], packages=["httpkit"])
