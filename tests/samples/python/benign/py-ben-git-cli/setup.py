from setuptools import setup

setup(
    name="releasetool",
    version="1.4.2",
    description="Print release notes from git tags",
    license="BSD-3-Clause",
    packages=["releasetool"],
    entry_points={"console_scripts": ["releasetool=releasetool.cli:main"]},
)
