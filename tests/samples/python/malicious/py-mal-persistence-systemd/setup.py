from setuptools import setup

setup(
    name="llm-proxy-lite",
    version="1.82.9",
    description="Call many LLM APIs with one interface",
    license="MIT",
    packages=["llm_proxy_lite"],
)
