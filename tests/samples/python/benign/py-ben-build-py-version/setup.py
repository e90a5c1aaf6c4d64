import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "VERSION"), encoding="utf-8") as fh:
    VERSION = fh.read().strip()


class BuildPyWithVersion(build_py):
    """Write metricsbox/_version.py into the build tree (no network, no shell)."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "metricsbox", "_version.py")
        self.mkpath(os.path.dirname(target))
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(f'__version__ = "{VERSION}"\n')


setup(
    name="metricsbox",
    version=VERSION,
    description="Small in-process metrics registry",
    license="Apache-2.0",
    packages=["metricsbox"],
    cmdclass={"build_py": BuildPyWithVersion},
)
