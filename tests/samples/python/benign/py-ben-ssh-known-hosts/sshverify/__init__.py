import os

KNOWN_HOSTS = "~/.ssh/known_hosts"


def is_known(host, key):
    try:
        known = open(os.path.expanduser(KNOWN_HOSTS), "rb")
    except OSError:
        return False
    with known:
        for line in known:
            fields = line.split()
            if len(fields) >= 3 and fields[0] == host.encode():
                return fields[2] == key
    return False
