import re


def modernize(source):
    source = re.sub(r"^(\s*)print (.*)$", r"\1print(\2)", source, flags=re.MULTILINE)
    return source.replace("except Exception, e:", "except Exception as e:")
