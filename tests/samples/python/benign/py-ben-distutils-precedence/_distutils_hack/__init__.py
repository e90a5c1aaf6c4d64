"""Condensed look-alike of setuptools' _distutils_hack (enough to be realistic for the analyzers).

The .pth beside this package is a byte-for-byte copy of the one setuptools ships; it calls
add_shim(), which puts a meta-path finder in front of the standard library's distutils.
"""

import importlib
import os
import sys


def enabled():
    which = os.environ.get("SETUPTOOLS_USE_DISTUTILS", "local")
    return which == "local"


class DistutilsMetaFinder:
    def find_spec(self, fullname, path, target=None):
        if path is not None or fullname != "distutils":
            return None
        return self.spec_for_distutils()

    def spec_for_distutils(self):
        import importlib.abc
        import importlib.util

        try:
            mod = importlib.import_module("setuptools._distutils")
        except Exception:
            return None

        class DistutilsLoader(importlib.abc.Loader):
            def create_module(self, spec):
                mod.__name__ = "distutils"
                return mod

            def exec_module(self, module):
                pass

        return importlib.util.spec_from_loader("distutils", DistutilsLoader(), origin=mod.__file__)


DISTUTILS_FINDER = DistutilsMetaFinder()


def add_shim():
    DISTUTILS_FINDER in sys.meta_path or insert_shim()


def insert_shim():
    sys.meta_path.insert(0, DISTUTILS_FINDER)


def remove_shim():
    try:
        sys.meta_path.remove(DISTUTILS_FINDER)
    except ValueError:
        pass
