from setuptools import setup

setup(name="colorlogx", version="1.0.0", packages=["colorlogx"])
