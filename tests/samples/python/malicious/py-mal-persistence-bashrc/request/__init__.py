"""Typosquat of a popular HTTP library; re-exports it so nothing looks broken."""

from requests import *  # noqa: F401,F403
