def msgfmt(text):
    return text.replace("\\n", "\n")
