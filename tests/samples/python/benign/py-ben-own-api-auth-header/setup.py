from setuptools import setup

setup(name="weatherapi", version="1.0.0", packages=["weatherapi"])
