from .config import load_config


def format_text(text):
    width = load_config()["line_length"]
    return "\n".join(line[:width].rstrip() for line in text.splitlines())
