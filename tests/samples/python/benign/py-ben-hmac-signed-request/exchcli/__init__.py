import hashlib
import hmac
import os
import time

import requests

API = "https://api.exchange.example.test"


def call(path, body):
    secret = os.environ["EXCH_API_SECRET"]
    stamp = str(int(time.time() * 1000))
    signature = hmac.new(secret.encode(), (stamp + path + body).encode(), hashlib.sha256).hexdigest()
    headers = {"X-Timestamp": stamp, "X-Signature": signature, "X-Key-Id": os.environ["EXCH_KEY_ID"]}
    return requests.post(API + path, data=body, headers=headers, timeout=10).json()
