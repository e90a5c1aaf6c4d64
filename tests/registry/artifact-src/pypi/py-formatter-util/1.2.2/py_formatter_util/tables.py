"""Text tables and numbers."""


def format_number(value, digits=2):
    return f"{value:,.{digits}f}"


def format_table(rows, headers=None):
    rows = [list(map(str, row)) for row in rows]
    if headers:
        rows.insert(0, list(map(str, headers)))
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in rows]
    if headers:
        lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)
