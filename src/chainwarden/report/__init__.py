"""report: renderers of a `ScanResult`. They format; they never decide."""
