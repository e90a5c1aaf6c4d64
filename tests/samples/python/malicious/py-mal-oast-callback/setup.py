from setuptools import setup

setup(name="internal-metrics", version="99.0.0", packages=["internal_metrics"])
