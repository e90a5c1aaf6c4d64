"""Small helpers for formatting text tables and numbers."""

from .tables import format_number, format_table

__all__ = ["format_number", "format_table"]
__version__ = "1.2.1"
