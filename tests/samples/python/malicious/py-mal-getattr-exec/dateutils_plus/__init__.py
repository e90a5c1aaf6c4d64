def days(n):
    return n * 86400
