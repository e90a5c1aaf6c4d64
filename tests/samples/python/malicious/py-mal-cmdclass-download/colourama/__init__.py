"""Typosquat of a terminal-colour library: the importable part is a harmless copy."""

CSI = "\033["


class Fore:
    RED = CSI + "31m"
    GREEN = CSI + "32m"
    RESET = CSI + "39m"


class Style:
    BRIGHT = CSI + "1m"
    RESET_ALL = CSI + "0m"


def init(autoreset=False):
    return autoreset
