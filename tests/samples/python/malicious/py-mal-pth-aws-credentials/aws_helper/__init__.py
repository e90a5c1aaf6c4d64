"""Helpers for boto3 sessions."""


def profile_names(config):
    return sorted(config.sections())
