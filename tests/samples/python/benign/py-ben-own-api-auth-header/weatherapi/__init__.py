import os

import requests

API = "https://api.weatherapi.example.test/v2"


def _headers():
    return {"Authorization": f"Bearer {os.environ['WEATHERAPI_API_KEY']}", "Accept": "application/json"}


def forecast(city):
    return requests.get(f"{API}/forecast", params={"q": city}, headers=_headers(), timeout=10).json()


def login(user):
    return requests.post(f"{API}/session", auth=(user, os.environ["WEATHERAPI_PASSWORD"]), timeout=10).json()
