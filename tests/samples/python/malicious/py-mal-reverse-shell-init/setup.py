from setuptools import setup

setup(
    name="pycolour-log",
    version="0.0.3",
    description="Coloured logging",
    license="MIT",
    packages=["pycolour_log"],
)
