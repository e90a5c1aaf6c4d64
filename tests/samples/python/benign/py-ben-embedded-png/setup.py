from setuptools import setup

setup(
    name="tinyicons",
    version="0.2.0",
    description="A few embedded icons",
    license="CC0-1.0",
    packages=["tinyicons"],
)
