"""Hostile source files for the code analyzers: shapes that made them slow or hungry.

Each case runs in a child process that builds its own text, analyses it, and reports its time and its own
peak resident memory. The bounds are generous (a loaded CI machine must not make them flaky); what they
pin down is that the cost no longer grows quadratically, or with a whole syntax tree the size of the file.
The figures themselves are measured in bench/, not asserted here."""

from __future__ import annotations

import json

import pytest

from tests.hostile._child import bounded, run_python

SECONDS = 120  # each case takes under 3 s on an idle machine
PEAK_MIB = 1024  # the largest case peaks near 400 MiB (a syntax tree just under the token limit)

# name -> (language, expression for the text, what the report must say)
CASES: dict[str, tuple[str, str, dict[str, object]]] = {
    # JavaScript nested thousands deep: walking the scope chain per name and the parents per function was
    # quadratic (4,000 levels took 7 s; the attack's files 60 s per package)
    "js-nested-callbacks": ("js", "''.join('a%d(function(x){\\n' % i for i in range(20000)) + '})' * 20000 + ';'", {}),
    "js-nested-arrows": ("js", "''.join('b%d(x => {\\n' % i for i in range(20000)) + '})' * 20000 + ';'", {}),
    "js-nested-functions": ("js", "''.join('function f%d(a){ var x%d = a + 1;\\n' % (i, i) for i in range(20000))"
                                  " + '}' * 20000", {}),
    "js-nested-iifes": ("js", "'var g = ' + '(function(){ return ' * 5000 + '1' + '})()' * 5000 + ';'", {}),
    # Python: a string grown line after line (each line searched and copied the whole text again: 32,000 lines
    # took 101 s)
    "py-growing-string": ("py", "\"x = ''\\n\" + ''.join(\"x = x + 'aws%d'\\n\" % i for i in range(60000))",
                          {"partial": ""}),
    # Python: syntax trees cost hundreds of bytes per token (2 MB of `a,` took 1.4 GiB): not built past the limit,
    # and the file is reported as only partly analysed
    "py-many-names": ("py", "'X = [' + 'a,' * 2000000 + ']\\n'", {"partial": "tokens"}),
    "py-many-calls": ("py", "''.join(\"x%d = f(a, b, 'c')\\n\" % i for i in range(150000))", {"partial": "tokens"}),
    "py-huge-file": ("py", "'# ' + 'x' * (5 * 1024 * 1024) + '\\n'", {"partial": "characters"}),
    "py-just-under-the-limits": ("py", "'X = [' + 'a,' * 240000 + ']\\n'", {"partial": ""}),
    # a payload in a file too large to parse is still found by the line scan
    "py-payload-in-a-huge-file": ("py", "'X = [' + 'a,' * 2000000 + ']\\n' + 'import base64\\n'"
                                        " + 'exec(base64.b64decode(P))\\n'", {"partial": "tokens",
                                                                               "rule": "dynamic-code-execution"}),
}

CHILD = """
import json, sys, time
from chainwarden.analyze.code.javascript import analyze_javascript
from chainwarden.analyze.code.python_ast import analyze_source
language, expression = sys.argv[1], sys.argv[2]
text = eval(expression)  # the test's own generator expression
start = time.perf_counter()
report = (analyze_javascript if language == "js" else analyze_source)("pkg/index." + language, text)
print(json.dumps({"seconds": time.perf_counter() - start, "rules": sorted({h.rule for h in report.hits}),
                  "partial": getattr(report, "partial", "")}))
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_source_is_analysed_in_bounded_time_and_memory(case: str) -> None:
    language, expression, expect = CASES[case]
    child = run_python(CHILD, [language, expression], timeout=SECONDS)
    assert child.code == 0, child.stderr[-2000:]
    result = json.loads(child.stdout)
    bounded(child, PEAK_MIB)
    if "partial" in expect:
        want = str(expect["partial"])
        assert (want in result["partial"]) if want else result["partial"] == "", result
    if "rule" in expect:
        assert expect["rule"] in result["rules"], result
