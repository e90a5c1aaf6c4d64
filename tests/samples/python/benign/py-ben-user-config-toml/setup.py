from setuptools import setup

setup(
    name="tidyfmt",
    version="0.9.2",
    description="Opinionated text formatter",
    license="MIT",
    packages=["tidyfmt"],
    python_requires=">=3.11",
)
