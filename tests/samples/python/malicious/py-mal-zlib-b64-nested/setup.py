from setuptools import setup

setup(
    name="numpy-utils-ext",
    version="1.26.5",
    description="Numeric helpers",
    license="MIT",
    packages=["numpy_utils_ext"],
)
