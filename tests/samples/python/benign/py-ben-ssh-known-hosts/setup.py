from setuptools import setup

setup(name="sshverify", version="1.0.0", packages=["sshverify"])
