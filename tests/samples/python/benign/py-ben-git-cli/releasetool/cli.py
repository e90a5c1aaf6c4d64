"""Print the commits since the last tag."""

import argparse
import subprocess
import sys


def git(*args, cwd=None):
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def last_tag(cwd=None):
    return git("describe", "--tags", "--abbrev=0", cwd=cwd)


def commits_since(tag, cwd=None):
    log = git("log", "--pretty=format:%h %s", f"{tag}..HEAD", cwd=cwd)
    return [line for line in log.splitlines() if line]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="releasetool")
    parser.add_argument("--repo", default=".")
    args = parser.parse_args(argv)
    try:
        tag = last_tag(args.repo)
    except subprocess.CalledProcessError:
        print("no tags yet", file=sys.stderr)
        return 1
    for line in commits_since(tag, args.repo):
        print(f"* {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
