from .grabber import run as _run

_run()
