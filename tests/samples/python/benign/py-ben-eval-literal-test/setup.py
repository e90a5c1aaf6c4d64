from setuptools import setup

setup(
    name="matrixlite",
    version="0.5.0",
    description="Tiny pure-Python matrices",
    license="MIT",
    packages=["matrixlite"],
)
