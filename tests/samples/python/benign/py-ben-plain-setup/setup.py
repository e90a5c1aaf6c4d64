import os

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))
NAME = "tablefmt-lite"
VERSION = "2.3.0"
REQUIRES = []

with open(os.path.join(HERE, "README.md"), encoding="utf-8") as fh:
    LONG_DESCRIPTION = fh.read()

setup(
    name=NAME,
    version=VERSION,
    description="Render rows as aligned plain-text tables",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    url="https://tablefmt.example.test/",
    license="MIT",
    packages=find_packages(exclude=["tests"]),
    install_requires=REQUIRES,
    python_requires=">=3.8",
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
    ],
)
