from setuptools import setup

setup(
    name="py-formatter-util",
    version="1.2.1",
    description="Small helpers for formatting text tables and numbers.",
    url="https://lapsed-domain.test/py-formatter-util",
    author="Maligna Victim",
    author_email="dev@lapsed-domain.test",
    license="MIT",
    packages=["py_formatter_util"],
    python_requires=">=3.7",
)
