import importlib.abc
import importlib.util
import sys

from .fixers import modernize


class Py2Loader(importlib.abc.SourceLoader):
    """Loads Python 2 modules by rewriting them to Python 3 before they run."""

    def __init__(self, path):
        self.path = path

    def get_filename(self, fullname):
        return self.path

    def get_data(self, path):
        with open(path, "rb") as fh:
            return fh.read()

    def exec_module(self, module):
        source = modernize(self.get_data(self.path).decode("utf-8"))
        exec(compile(source, self.path, "exec"), module.__dict__)


class Py2Finder(importlib.abc.MetaPathFinder):
    def __init__(self, root):
        self.root = root

    def find_spec(self, fullname, path, target=None):
        candidate = f"{self.root}/{fullname.replace('.', '/')}.py"
        return importlib.util.spec_from_loader(fullname, Py2Loader(candidate))


def install(root):
    sys.meta_path.insert(0, Py2Finder(root))
