"""Copy of a popular helper library's public surface (nothing malicious here)."""

__version__ = "1.0.3"


def user_agent(name, version):
    return f"{name}/{version}"
