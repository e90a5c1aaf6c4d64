"""The command line (cli/main.py): the only layer that prints to stdout or exits."""

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNCHECKED, EXIT_INTERNAL = 0, 1, 2, 3, 4
REPORT_FORMATS = ("json", "sarif", "markdown", "cyclonedx", "spdx")
