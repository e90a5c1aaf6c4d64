"""Icons shipped inline so that no data files are needed."""

import base64

# 1x1 transparent PNG
_DOT_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def dot_png():
    data = base64.b64decode(_DOT_PNG_B64)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def data_uri():
    return "data:image/png;base64," + _DOT_PNG_B64
