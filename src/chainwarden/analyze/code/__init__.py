"""analyze.code: static analysis of the files a package ships (issue 5). Files are parsed, never run.

Front-ends read code and say what it does, as facts (`facts`); rules (`rules/`, one module each) judge facts:

- `python_ast`: one Python file (or ``.pth``) -> capabilities and facts, with data flow and
  statically decoded payloads;
- `javascript`: the same for one JavaScript file (tree-sitter), and the npm install scripts with the
  files they run;
- `text`: command lines and scripts (shell, PowerShell, batch), read as text;
- `rules`: one module per code rule, reading facts of every language;
- `wheel_record`: a wheel's files against its ``.dist-info/RECORD`` (``wheel-record``);
- `inspect`: a whole unpacked package -> an `Inspection` with the verdict (malicious /
  suspicious / not-checked / clean) and the rule or the gap that decided it; the copies and the
  nested archives the safe unpacker delivers are read too.
"""

from chainwarden.analyze.code.inspect import Inspection, add_archive_anomalies, inspect_tree, verdict
from chainwarden.analyze.code.rules import rules

# The rules `chainwarden inspect` reports (each has docs/rules/<id>.md): (id, highest severity, title). The code
# rules come from their modules (`rules/`); the others judge a package's files as a whole.
_PACKAGE_RULES: tuple[tuple[str, str, str], ...] = (
    ("native-binary", "medium", "Compiled code in a pure-Python wheel"),
    ("install-script", "critical", "npm install scripts and the code they run"),
    ("archive-anomaly", "high", "An archive that trips the safe unpacker's guards"),
    ("wheel-record", "high", "A wheel whose files do not match its RECORD"),
    ("changed-behaviour", "critical", "A release adds install-time code, network access or secret reads over the one before"),
)
CODE_RULES: tuple[tuple[str, str, str], ...] = tuple((r.id, r.severity, r.title) for r, _ in rules()) + _PACKAGE_RULES

__all__ = ["CODE_RULES", "Inspection", "add_archive_anomalies", "inspect_tree", "verdict"]
