from setuptools import setup

setup(
    name="colorsys-ext",
    version="1.0.2",
    description="Colour space conversions",
    license="MIT",
    packages=["colorsys_ext"],
)
