"""analyze.code: static analysis of the files a package ships (issue 5). Files are parsed, never run.

- `python_ast`: one Python file (or ``.pth``) -> capabilities and findings, with data flow and
  statically decoded payloads;
- `javascript`: the same for one JavaScript file (tree-sitter), and the npm install scripts with the
  files they run;
- `wheel_record`: a wheel's files against its ``.dist-info/RECORD`` (``wheel-record``);
- `inspect`: a whole unpacked package -> an `Inspection` with the verdict (malicious /
  suspicious / not-checked / clean) and the rule or the gap that decided it; the copies and the
  nested archives the safe unpacker delivers are read too.
"""

from chainwarden.analyze.code.inspect import Inspection, add_archive_anomalies, inspect_tree, verdict

# The rules `chainwarden inspect` reports (each has docs/rules/<id>.md): (id, highest severity, title).
CODE_RULES: tuple[tuple[str, str, str], ...] = (
    ("secret-exfiltration", "critical", "Secret or environment data reaches the network"),
    ("dns-exfiltration", "critical", "Data sent out in resolved host names"),
    ("dynamic-code-execution", "critical", "Decoded or computed code is executed"),
    ("download-and-execute", "critical", "Downloaded code or files are run"),
    ("obfuscated-code", "high", "Encoded, packed or hidden code"),
    ("install-time-code", "critical", "Code that runs at install, import or interpreter start-up"),
    ("credential-file-access", "high", "Reads of credential and secret stores"),
    ("persistence", "critical", "Writes to places that run code later"),
    ("webhook-exfiltration", "critical", "Data posted to chat webhooks"),
    ("reverse-shell", "critical", "A shell on a network socket"),
    ("native-binary", "medium", "Compiled code in a pure-Python wheel"),
    ("install-script", "critical", "npm install scripts and the code they run"),
    ("self-publishing", "critical", "Code that publishes npm packages: self-propagating worms"),
    ("raw-ip-network", "high", "Network access to a hard-coded IP address"),
    ("unparseable-code", "low", "A Python or JavaScript file that does not parse"),
    ("archive-anomaly", "high", "An archive that trips the safe unpacker's guards"),
    ("wheel-record", "high", "A wheel whose files do not match its RECORD"),
    ("changed-behaviour", "critical", "A release adds install-time code, network access or secret reads over the one before"),
)

__all__ = ["CODE_RULES", "Inspection", "add_archive_anomalies", "inspect_tree", "verdict"]
