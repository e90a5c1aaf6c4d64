__title__ = "httpkit"
__version__ = "1.0.0"
