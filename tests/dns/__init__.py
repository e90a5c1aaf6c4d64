"""The local DNS test server: authoritative answers from in-memory zones on 127.0.0.1."""
