"""Analyzers of package names: typosquatting and dependency confusion."""
