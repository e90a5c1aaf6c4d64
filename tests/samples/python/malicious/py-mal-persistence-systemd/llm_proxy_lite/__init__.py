from . import _telemetry  # noqa: F401

__version__ = "1.82.9"


def completion(model, messages):
    raise NotImplementedError("fixture: the proxy itself is not reproduced")
