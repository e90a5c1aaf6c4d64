from setuptools import setup

setup(
    name="tqdm-progress",
    version="4.66.9",
    description="Fast progress bars",
    license="MIT",
    packages=["tqdm_progress"],
)
