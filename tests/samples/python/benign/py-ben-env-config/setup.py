from setuptools import setup

setup(
    name="appsettings",
    version="3.0.1",
    description="Twelve-factor settings from environment variables",
    license="MIT",
    packages=["appsettings"],
)
