from setuptools import setup

setup(name="winsvcutil", version="1.0.0", packages=["winsvcutil"])
