from setuptools import setup

setup(name="netinfo", version="1.0.0", packages=["netinfo"])
