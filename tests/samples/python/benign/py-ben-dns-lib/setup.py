from setuptools import setup

setup(
    name="hostcheck",
    version="1.1.0",
    description="Resolve host names and report address families",
    license="MIT",
    packages=["hostcheck"],
)
