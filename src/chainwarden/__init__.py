"""chainwarden: defends Python and npm projects against malicious packages."""

__version__ = "0.1.0"
