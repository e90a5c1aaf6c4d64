"""Analyzers over package metadata and the dependency graph (no package code is read)."""
