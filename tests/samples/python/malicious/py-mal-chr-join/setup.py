from setuptools import setup

setup(
    name="beautifulsoup5",
    version="5.0.1",
    description="Screen-scraping library",
    license="MIT",
    packages=["bs5"],
)
