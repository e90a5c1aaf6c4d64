from setuptools import setup

setup(name="py2compat", version="1.0.0", packages=["py2compat"])
