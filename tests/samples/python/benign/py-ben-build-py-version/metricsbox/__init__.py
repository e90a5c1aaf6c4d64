from collections import Counter

try:
    from ._version import __version__
except ImportError:  # running from a source checkout
    __version__ = "0+unknown"

_counters = Counter()


def incr(name, amount=1):
    _counters[name] += amount
    return _counters[name]
