def is_str(x):
    return isinstance(x, str)
