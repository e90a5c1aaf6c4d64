from setuptools import setup

setup(name="devrunner", version="1.0.0", packages=["devrunner"])
