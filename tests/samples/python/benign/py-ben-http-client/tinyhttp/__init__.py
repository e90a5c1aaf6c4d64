"""Thin helpers around requests and urllib: every URL comes from the caller."""

import json
import shutil
import urllib.request

import requests

DEFAULT_TIMEOUT = 10


def get_json(url, params=None, headers=None, timeout=DEFAULT_TIMEOUT):
    response = requests.get(url, params=params, headers=headers, timeout=timeout)
    response.raise_for_status()
    return response.json()


def post_json(url, payload, timeout=DEFAULT_TIMEOUT):
    response = requests.post(url, json=payload, timeout=timeout)
    response.raise_for_status()
    return response.json()


def fetch_text(url, timeout=DEFAULT_TIMEOUT):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        charset = response.headers.get_content_charset() or "utf-8"
        return response.read().decode(charset)


def download(url, destination, timeout=DEFAULT_TIMEOUT):
    with urllib.request.urlopen(url, timeout=timeout) as response, open(destination, "wb") as out:
        shutil.copyfileobj(response, out)
    return destination


def pretty(data):
    return json.dumps(data, indent=2, sort_keys=True)
