from setuptools import setup

setup(name="awsutilz", version="1.0.0", packages=["awsutilz"])
