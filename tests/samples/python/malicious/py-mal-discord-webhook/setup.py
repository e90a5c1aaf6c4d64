from setuptools import setup

setup(
    name="discord-selfbot-tools",
    version="2.1.0",
    description="Helpers for Discord bots",
    license="MIT",
    packages=["discord_selfbot_tools"],
)
