from setuptools import setup

setup(
    name="torchtriton",
    version="3.0.0",
    description="A language and compiler for custom Deep Learning operations",
    license="MIT",
    packages=["torchtriton"],
    install_requires=["requests"],
)
