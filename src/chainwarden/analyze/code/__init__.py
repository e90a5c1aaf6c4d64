"""analyze.code: static analysis of the files a package ships (issue 5). Files are parsed, never run.

- `python_ast`: one Python file (or ``.pth``) -> capabilities and findings, with data flow and
  statically decoded payloads;
- `inspect`: a whole unpacked package -> an `Inspection` with the verdict (malicious /
  suspicious / clean) and the rule that decided it.
"""

from chainwarden.analyze.code.inspect import Inspection, add_archive_anomalies, inspect_tree, verdict

__all__ = ["Inspection", "add_archive_anomalies", "inspect_tree", "verdict"]
