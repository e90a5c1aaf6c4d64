from setuptools import setup

setup(
    name="pyyaml-loader",
    version="6.0.3",
    description="YAML loader helpers",
    license="MIT",
    packages=["pyyaml_loader"],
)
