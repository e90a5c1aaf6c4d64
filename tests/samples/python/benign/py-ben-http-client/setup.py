from setuptools import setup

setup(
    name="tinyhttp",
    version="0.8.0",
    description="Thin helpers around requests and urllib",
    license="MIT",
    packages=["tinyhttp"],
    install_requires=["requests>=2.28"],
)
