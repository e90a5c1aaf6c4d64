from setuptools import setup

setup(
    name="pandas-profiler-lite",
    version="0.3.1",
    description="DataFrame profiling",
    license="MIT",
    packages=["pandas_profiler_lite"],
)
