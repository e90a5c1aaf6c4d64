from setuptools import setup

setup(name="exchcli", version="1.0.0", packages=["exchcli"])
