"""Generate the committed registry snapshots: tests/registry/data (the public test index)
and tests/registry/data-private (a company's private index, for the dependency-confusion
fixtures).

    python -m tests.registry.make_data            # (re)write both
    python -m tests.registry.make_data --check    # exit 1 if the committed data is out of date
    python -m tests.registry.make_data OUT_DIR    # write the public snapshot somewhere else

Version histories follow the real projects' (dates approximate to the day); people,
e-mail addresses and repository URLs are fixture values under .test.  The "today" of
this data is 2026-11-21: nothing is dated after 2026-11-14.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from . import archives
from .builder import npm_package, pypi_project

DATA = Path(__file__).resolve().parent / "data"
PRIVATE_DATA = Path(__file__).resolve().parent / "data-private"
TODAY = datetime(2026, 11, 21)


def t(moment: str) -> datetime:
    """'2023-05-22' or '2023-05-22T15:12:44' (UTC)."""
    return datetime.fromisoformat(moment if "T" in moment else moment + "T12:00:00")


def build(root: Path) -> None:
    _pypi(root)
    _npm(root)


# ---------------------------------------------------------------------------- PyPI


def _pypi(root: Path) -> None:
    def p(name: str, releases: dict[str, str], **kw: object) -> None:
        pypi_project(root, name, {v: t(d) for v, d in releases.items()}, **kw)  # type: ignore[arg-type]

    py3 = ["Programming Language :: Python :: 3", "Operating System :: OS Independent"]
    apache = ["License :: OSI Approved :: Apache Software License", *py3]
    mit = ["License :: OSI Approved :: MIT License", *py3]
    bsd = ["License :: OSI Approved :: BSD License", *py3]

    requests_deps_old = [
        'charset-normalizer~=2.0.0; python_version >= "3"',
        "idna<4,>=2.5; python_version >= \"3\"",
        "urllib3<1.27,>=1.21.1",
        "certifi>=2017.4.17",
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
    ]
    requests_deps = [
        "charset-normalizer<4,>=2",
        "idna<4,>=2.5",
        "urllib3<3,>=1.21.1",
        "certifi>=2017.4.17",
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
        'chardet<6,>=3.0.2; extra == "use-chardet-on-py3"',
    ]
    p("requests", {
        "2.0.0": "2013-09-24", "2.18.4": "2017-08-15", "2.22.0": "2019-05-16", "2.25.1": "2020-12-16",
        "2.26.0": "2021-07-13", "2.27.1": "2022-01-05", "2.28.1": "2022-06-29", "2.28.2": "2023-01-12",
        "2.31.0": "2023-05-22T15:12:44", "2.32.0": "2024-05-20T13:30:00", "2.32.2": "2024-05-21",
        "2.32.3": "2024-05-29", "2.32.4": "2025-06-09", "2.32.5": "2025-08-18",
    }, maintainers=["nateprewitt", "sethmlarson"], author="Kenneth Reitz", author_email="me@requests.example.test",
       summary="Python HTTP for Humans.", license="Apache-2.0", classifiers=apache,
       repository="https://example.test/psf/requests", home_page="https://requests.example.test",
       requires_dist={"2.0.0": [], "2.26.0": requests_deps_old, "2.28.2": requests_deps},
       requires_python={"2.0.0": None, "2.26.0": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*",
                        "2.28.2": ">=3.7, <4", "2.31.0": ">=3.7", "2.32.0": ">=3.8", "2.32.5": ">=3.9"},
       yanked={"2.32.0": "Yanked due to conflicts with CVE-2024-35195 mitigation"},
       wheel_tags=["py3-none-any"])
    p("urllib3", {
        "1.26.5": "2021-05-26", "1.26.18": "2023-10-17T17:46:22", "1.26.20": "2024-08-29",
        "2.0.7": "2023-10-17T17:46:41", "2.2.2": "2024-06-17", "2.2.3": "2024-09-12",
        "2.3.0": "2024-12-22", "2.4.0": "2025-04-10", "2.5.0": "2025-06-18",
    }, maintainers=["sethmlarson", "pquentin"], author_email="sethmichaellarson@example.test",
       summary="HTTP library with thread-safe connection pooling, file post, and more.", classifiers=mit,
       repository="https://example.test/urllib3/urllib3",
       requires_dist={"1.26.5": ['brotli>=1.0.9; extra == "brotli"', 'PySocks!=1.5.7,<2.0,>=1.5.6; extra == "socks"'],
                      "2.0.7": ['brotli>=1.0.9; platform_python_implementation == "CPython" and extra == "brotli"',
                                'h2<5,>=4; extra == "h2"', 'pysocks!=1.5.7,<2.0,>=1.5.6; extra == "socks"',
                                'zstandard>=0.18.0; extra == "zstd"']},
       requires_python={"1.26.5": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*, <4",
                        "2.0.7": ">=3.7", "2.2.2": ">=3.8", "2.3.0": ">=3.9"})
    p("idna", {"2.10": "2020-06-27", "3.4": "2022-09-14", "3.6": "2023-11-25", "3.7": "2024-04-11",
               "3.8": "2024-08-23", "3.10": "2024-09-15"},
      maintainers=["kjd"], author="Kim Davies", author_email="kim@idna.example.test",
      summary="Internationalized Domain Names in Applications (IDNA)", license="BSD-3-Clause", classifiers=bsd,
      repository="https://example.test/kjd/idna",
      requires_python={"2.10": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "3.4": ">=3.5", "3.6": ">=3.5", "3.8": ">=3.6"})
    p("certifi", {"2023.7.22": "2023-07-22", "2024.2.2": "2024-02-02", "2024.8.30": "2024-08-30",
                  "2025.1.31": "2025-01-31", "2025.4.26": "2025-04-26", "2025.8.3": "2025-08-03"},
      maintainers=["certifi"], author="Kenneth Reitz", author_email="me@requests.example.test",
      summary="Python package for providing Mozilla's CA Bundle.", license="MPL-2.0",
      classifiers=["License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", *py3],
      repository="https://example.test/certifi/python-certifi",
      requires_python={"2023.7.22": ">=3.6", "2025.4.26": ">=3.6", "2025.8.3": ">=3.7"})
    p("charset-normalizer", {"2.0.12": "2022-02-12", "3.3.2": "2023-10-31", "3.4.0": "2024-10-09",
                             "3.4.1": "2024-12-24", "3.4.2": "2025-05-02", "3.4.3": "2025-08-09"},
      maintainers=["Ousret"], author="Ahmed TAHRI", author_email="tahri.ahmed@example.test",
      summary="The Real First Universal Charset Detector. Open, modern and actively maintained alternative to Chardet.",
      classifiers=mit, repository="https://example.test/jawah/charset_normalizer",
      requires_dist={"2.0.12": ['unicodedata2; extra == "unicode_backport"']},
      requires_python={"2.0.12": ">=3.5.0", "3.3.2": ">=3.7.0"},
      wheel_tags=["py3-none-any", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                  "cp311-cp311-win_amd64"])
    p("click", {"7.1.2": "2020-04-27", "8.0.0": "2021-05-11", "8.1.3": "2022-04-28", "8.1.7": "2023-08-17",
                "8.1.8": "2024-12-21", "8.2.0": "2025-05-10", "8.2.1": "2025-05-20", "8.3.0": "2025-09-18"},
      maintainers=["pallets", "davidism"], author_email="contact@palletsprojects.example.test",
      summary="Composable command line interface toolkit", license="BSD-3-Clause", classifiers=bsd,
      repository="https://example.test/pallets/click",
      requires_dist={"7.1.2": [], "8.0.0": ['colorama; platform_system == "Windows"'],
                     "8.1.3": ['colorama; platform_system == "Windows"', 'importlib-metadata; python_version < "3.8"'],
                     "8.1.8": ['colorama; platform_system == "Windows"']},
      requires_python={"7.1.2": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*", "8.0.0": ">=3.6",
                       "8.1.3": ">=3.7", "8.2.0": ">=3.10"})
    p("colorama", {"0.4.4": "2020-10-15", "0.4.5": "2022-06-24", "0.4.6": "2022-10-25"},
      maintainers=["tartley", "wiggin15"], author="Jonathan Hartley", author_email="tartley@colorama.example.test",
      summary="Cross-platform colored terminal text.", license="BSD-3-Clause", classifiers=bsd,
      repository="https://example.test/tartley/colorama",
      requires_python=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*, !=3.6.*")
    pytest_deps_74 = ["iniconfig", "packaging", "pluggy<2.0,>=0.12", 'exceptiongroup>=1.0.0rc8; python_version < "3.11"',
                      'tomli>=1.0.0; python_version < "3.11"', 'colorama; sys_platform == "win32"']
    pytest_deps_83 = ["iniconfig", "packaging", "pluggy<2,>=1.5", 'exceptiongroup>=1.0.0rc8; python_version < "3.11"',
                      'tomli>=1; python_version < "3.11"', 'colorama; sys_platform == "win32"']
    pytest_deps_84 = ["colorama>=0.4; sys_platform == \"win32\"", 'exceptiongroup>=1; python_version < "3.11"',
                      "iniconfig>=1", "packaging>=20", "pluggy<2,>=1.5", "pygments>=2.7.2",
                      'tomli>=1; python_version < "3.11"']
    p("pytest", {"7.4.4": "2023-12-31", "8.0.0": "2024-01-27", "8.2.2": "2024-06-04", "8.3.3": "2024-09-10",
                 "8.3.4": "2024-12-01", "8.3.5": "2025-03-02", "8.4.0": "2025-06-02", "8.4.1": "2025-06-17",
                 "8.4.2": "2025-09-04"},
      maintainers=["nicoddemus", "bluetech", "RonnyPfannschmidt"], author="Holger Krekel",
      author_email="holger@pytest.example.test", summary="pytest: simple powerful testing with Python",
      classifiers=mit, repository="https://example.test/pytest-dev/pytest",
      requires_dist={"7.4.4": pytest_deps_74, "8.2.2": pytest_deps_83, "8.4.0": pytest_deps_84},
      requires_python={"7.4.4": ">=3.7", "8.0.0": ">=3.8", "8.4.0": ">=3.9"})
    p("iniconfig", {"1.1.1": "2020-10-16", "2.0.0": "2023-01-07", "2.1.0": "2025-03-19"},
      maintainers=["RonnyPfannschmidt"], author_email="opensource@ronny.example.test",
      summary="brain-dead simple config-ini parsing", classifiers=mit,
      repository="https://example.test/pytest-dev/iniconfig",
      requires_python={"1.1.1": None, "2.0.0": ">=3.7", "2.1.0": ">=3.8"})
    p("packaging", {"21.3": "2021-11-18", "23.2": "2023-10-01", "24.0": "2024-03-10", "24.1": "2024-06-09",
                    "24.2": "2024-11-08", "25.0": "2025-04-19"},
      maintainers=["dstufft", "brettcannon", "pradyunsg"], author="Donald Stufft",
      author_email="donald@packaging.example.test", summary="Core utilities for Python packages",
      license="Apache-2.0 OR BSD-2-Clause", classifiers=apache, repository="https://example.test/pypa/packaging",
      requires_dist={"21.3": ["pyparsing!=3.0.5,>=2.0.2"], "23.2": []},
      requires_python={"21.3": ">=3.6", "23.2": ">=3.7", "24.1": ">=3.8"})
    p("pluggy", {"1.0.0": "2021-08-25", "1.3.0": "2023-08-26", "1.4.0": "2024-01-24", "1.5.0": "2024-04-20",
                 "1.6.0": "2025-05-15"},
      maintainers=["hpk42", "nicoddemus", "RonnyPfannschmidt"], author="Holger Krekel",
      author_email="holger@pytest.example.test", summary="plugin and hook calling mechanisms for python",
      classifiers=mit, repository="https://example.test/pytest-dev/pluggy",
      requires_dist={"1.0.0": ['pre-commit; extra == "dev"', 'tox; extra == "dev"', 'pytest; extra == "testing"',
                               'pytest-benchmark; extra == "testing"'],
                     "1.5.0": ['pre-commit; extra == "dev"', 'tox; extra == "dev"', 'pytest; extra == "testing"',
                               'pytest-benchmark; extra == "testing"'],
                     "1.6.0": ['pre-commit; extra == "dev"', 'tox; extra == "dev"', 'coverage; extra == "testing"',
                               'pytest; extra == "testing"', 'pytest-benchmark; extra == "testing"']},
      requires_python={"1.0.0": ">=3.6", "1.3.0": ">=3.8", "1.6.0": ">=3.9"})
    p("rich", {"12.6.0": "2022-10-02", "13.7.1": "2024-02-28", "13.9.4": "2024-11-01", "14.0.0": "2025-03-30",
               "14.1.0": "2025-07-25"},
      maintainers=["willmcgugan"], author="Will McGugan", author_email="willmcgugan@rich.example.test",
      summary="Render rich text, tables, progress bars, syntax highlighting, markdown and more to the terminal",
      classifiers=mit, repository="https://example.test/Textualize/rich",
      requires_dist={"12.6.0": ["commonmark<0.10.0,>=0.9.0", "pygments<3.0.0,>=2.6.0",
                                'typing-extensions<5.0,>=4.0.0; python_version < "3.9"',
                                'ipywidgets<8.0.0,>=7.5.1; extra == "jupyter"'],
                     "13.7.1": ["markdown-it-py>=2.2.0", "pygments<3.0.0,>=2.13.0",
                                'typing-extensions<5.0,>=4.0.0; python_version < "3.9"',
                                'ipywidgets<9,>=7.5.1; extra == "jupyter"'],
                     "14.0.0": ["markdown-it-py>=2.2.0", "pygments<3.0.0,>=2.13.0",
                                'typing-extensions<5.0,>=4.0.0; python_version < "3.11"',
                                'ipywidgets<9,>=7.5.1; extra == "jupyter"']},
      requires_python={"12.6.0": ">=3.6.3,<4.0.0", "13.7.1": ">=3.7.0", "13.9.4": ">=3.8.0"})
    p("markdown-it-py", {"2.2.0": "2023-02-22", "3.0.0": "2023-06-03", "4.0.0": "2025-08-11"},
      maintainers=["chrisjsewell"], author="Chris Sewell", author_email="chrisj_sewell@mdit.example.test",
      summary="Python port of markdown-it. Markdown parsing, done right!", classifiers=mit,
      repository="https://example.test/executablebooks/markdown-it-py",
      requires_dist={"2.2.0": ["mdurl~=0.1"]},
      requires_python={"2.2.0": ">=3.7", "3.0.0": ">=3.8", "4.0.0": ">=3.10"}, sdist=True)
    p("mdurl", {"0.1.0": "2022-07-02", "0.1.1": "2022-07-04", "0.1.2": "2022-08-14"},
      maintainers=["hukkin"], author="Taneli Hukkinen", author_email="hukkin@mdurl.example.test",
      summary="Markdown URL utilities", classifiers=mit, repository="https://example.test/executablebooks/mdurl",
      requires_python=">=3.7")
    p("pygments", {"2.15.1": "2023-04-18", "2.17.2": "2023-11-21", "2.18.0": "2024-05-04", "2.19.1": "2025-01-06",
                   "2.19.2": "2025-06-21"},
      maintainers=["birkenfeld", "jeanas"], author="Georg Brandl", author_email="georg@pygments.example.test",
      summary="Pygments is a syntax highlighting package written in Python.", license="BSD-2-Clause",
      classifiers=bsd, repository="https://example.test/pygments/pygments",
      requires_dist={"2.15.1": ['importlib-metadata; python_version < "3.8" and extra == "plugins"'],
                     "2.17.2": ['importlib-metadata; python_version < "3.8" and extra == "plugins"',
                                'colorama>=0.4.6; extra == "windows-terminal"'],
                     "2.18.0": ['colorama>=0.4.6; extra == "windows-terminal"']},
      requires_python={"2.15.1": ">=3.7", "2.18.0": ">=3.8"})
    p("tomli", {"1.2.3": "2021-12-13", "2.0.1": "2022-02-08", "2.1.0": "2024-11-11", "2.2.1": "2024-11-27"},
      maintainers=["hukkin"], author="Taneli Hukkinen", author_email="hukkin@mdurl.example.test",
      summary="A lil' TOML parser", classifiers=mit, repository="https://example.test/hukkin/tomli",
      requires_python={"1.2.3": ">=3.6", "2.0.1": ">=3.7", "2.1.0": ">=3.8"})
    p("PySocks", {"1.6.8": "2017-12-29", "1.7.0": "2019-05-11", "1.7.1": "2019-09-20"},
      maintainers=["Anorov"], author="Anorov", author_email="anorov.vorona@pysocks.example.test",
      summary="A Python SOCKS client module. See https://example.test/Anorov/PySocks for more information.",
      license="BSD", classifiers=bsd, repository="https://example.test/Anorov/PySocks",
      requires_python=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*",
      wheel_tags=["py3-none-any"])
    flask_deps_23 = ["Werkzeug>=2.3.7", "Jinja2>=3.1.2", "itsdangerous>=2.1.2", "click>=8.1.3", "blinker>=1.6.2",
                     'importlib-metadata>=3.6.0; python_version < "3.10"', 'asgiref>=3.2; extra == "async"',
                     'python-dotenv; extra == "dotenv"']
    flask_deps_30 = ["Werkzeug>=3.0.0", *flask_deps_23[1:]]
    flask_deps_31 = ["Werkzeug>=3.1", "Jinja2>=3.1.2", "itsdangerous>=2.2", "click>=8.1.3", "blinker>=1.9",
                     'importlib-metadata>=3.6; python_version < "3.10"', 'asgiref>=3.2; extra == "async"',
                     'python-dotenv; extra == "dotenv"']
    flask_deps_312 = ["blinker>=1.9.0", "click>=8.1.3", 'importlib-metadata>=3.6.0; python_version < "3.10"',
                      "itsdangerous>=2.2.0", "jinja2>=3.1.2", "markupsafe>=2.1.1", "werkzeug>=3.1.0",
                      'asgiref>=3.2; extra == "async"', 'python-dotenv; extra == "dotenv"']
    pallets = dict(author_email="contact@palletsprojects.example.test", license="BSD-3-Clause", classifiers=bsd)
    p("Flask", {"2.3.3": "2023-08-21", "3.0.0": "2023-09-30", "3.0.3": "2024-04-07", "3.1.0": "2024-11-13",
                "3.1.1": "2025-05-13", "3.1.2": "2025-08-19"},
      maintainers=["pallets", "davidism"], summary="A simple framework for building complex web applications.",
      repository="https://example.test/pallets/flask",
      requires_dist={"2.3.3": flask_deps_23, "3.0.0": flask_deps_30, "3.1.0": flask_deps_31, "3.1.1": flask_deps_312},
      requires_python={"2.3.3": ">=3.8", "3.1.0": ">=3.9"}, **pallets)
    p("Werkzeug", {"2.3.7": "2023-08-14", "3.0.1": "2023-10-24", "3.0.6": "2024-10-25", "3.1.3": "2024-11-08"},
      maintainers=["pallets", "davidism"], summary="The comprehensive WSGI web application library.",
      repository="https://example.test/pallets/werkzeug",
      requires_dist={"2.3.7": ["MarkupSafe>=2.1.1", 'watchdog>=2.3; extra == "watchdog"']},
      requires_python={"2.3.7": ">=3.8", "3.1.3": ">=3.9"}, **pallets)
    p("Jinja2", {"3.1.2": "2022-04-28", "3.1.4": "2024-05-05", "3.1.5": "2024-12-21", "3.1.6": "2025-03-05"},
      maintainers=["pallets", "davidism"], summary="A very fast and expressive template engine.",
      repository="https://example.test/pallets/jinja",
      requires_dist={"3.1.2": ["MarkupSafe>=2.0", 'Babel>=2.7; extra == "i18n"']}, requires_python=">=3.7", **pallets)
    p("itsdangerous", {"2.1.2": "2022-03-24", "2.2.0": "2024-04-16"},
      maintainers=["pallets", "davidism"], summary="Safely pass data to untrusted environments and back.",
      repository="https://example.test/pallets/itsdangerous",
      requires_python={"2.1.2": ">=3.7", "2.2.0": ">=3.8"}, **pallets)
    p("blinker", {"1.6.2": "2023-04-12", "1.7.0": "2023-11-01", "1.8.2": "2024-05-06", "1.9.0": "2024-11-08"},
      maintainers=["pallets", "jek"], author="Jason Kirtland", summary="Fast, simple object-to-object and broadcast signaling",
      repository="https://example.test/pallets-eco/blinker",
      requires_python={"1.6.2": ">=3.7", "1.7.0": ">=3.8", "1.9.0": ">=3.9"},
      author_email="jek@blinker.example.test", license="MIT", classifiers=mit)
    p("MarkupSafe", {"2.1.3": "2023-06-02", "2.1.5": "2024-02-02", "3.0.2": "2024-10-18", "3.0.3": "2025-09-27"},
      maintainers=["pallets", "davidism"], summary="Safely add untrusted strings to HTML/XML markup.",
      repository="https://example.test/pallets/markupsafe",
      requires_python={"2.1.3": ">=3.7", "3.0.2": ">=3.9"},
      wheel_tags=["cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp311-cp311-win_amd64"], **pallets)
    p("six", {"1.12.0": "2018-12-09", "1.13.0": "2019-11-05", "1.14.0": "2020-01-15", "1.15.0": "2020-05-21",
              "1.16.0": "2021-05-05", "1.17.0": "2024-12-04"},
      maintainers=["gutworth"], author="Benjamin Peterson", author_email="benjamin@six.example.test",
      summary="Python 2 and 3 compatibility utilities", classifiers=mit,
      repository="https://example.test/benjaminp/six",
      requires_python=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*",
      yanked={"1.13.0": "Broken wheel: six.moves missing from the py2.py3 wheel, use 1.14.0"},
      wheel_tags=["py2.py3-none-any"])
    # Dormant for four years, then a release twelve days ago from a maintainer whose
    # e-mail domain has lapsed: the account-takeover / abandoned-package shape.
    p("py-formatter-util", {"1.0.0": "2020-06-12", "1.1.0": "2021-02-03", "1.2.0": "2022-04-18",
                            "1.2.1": "2022-10-01T09:14:03", "1.2.2": "2026-11-14T03:41:27"},
      maintainers=["maligna-victim"], author="Maligna Victim", author_email="dev@lapsed-domain.test",
      summary="Small helpers for formatting text tables and numbers.",
      repository="https://example.test/maligna-victim/py-formatter-util",
      home_page="https://lapsed-domain.test/py-formatter-util", classifiers=mit,
      requires_python={"1.0.0": ">=3.6", "1.2.0": ">=3.7"},
      files=_formatter_util_files(root))
    # The seed scenario's direct dependency: healthy itself, it pulls py-formatter-util in.
    p("report-kit", {"2.4.0": "2024-09-02", "2.5.0": "2025-01-20", "2.6.0": "2025-05-12", "3.0.0": "2025-09-08",
                     "3.1.0": "2026-03-16", "3.1.1": "2026-08-24"},
      maintainers=["reportkit-dev", "ana-ops", "kwame-ci"], author="Report Kit developers",
      author_email="team@healthy-domain.test", summary="Build plain-text and HTML reports from tabular data.",
      repository="https://example.test/report-kit/report-kit", classifiers=mit,
      requires_dist={"2.4.0": ["py-formatter-util>=1.2"]}, requires_python=">=3.9")
    # Healthy control: several maintainers, a release every few months, a domain that resolves.
    p("steady-lib", {"1.0.0": "2023-02-01", "1.1.0": "2023-07-10", "1.2.0": "2024-01-15", "1.3.0": "2024-06-03",
                     "1.4.0": "2024-11-18", "1.5.0": "2025-04-07", "1.6.0": "2025-09-22", "1.7.0": "2026-02-09",
                     "1.7.1": "2026-07-06", "1.8.0": "2026-10-19"},
      maintainers=["steady-maint", "lin-reviewer", "oskar-release"], author="Steady developers",
      author_email="maintainers@healthy-domain.test", summary="Retry and backoff helpers.",
      repository="https://example.test/steady/steady-lib", classifiers=mit, requires_python=">=3.9")
    # Dependency confusion: a stranger claimed a company's internal name (tests/registry/data-private)
    # at a version far above the private one, six days ago.
    p("acme-billing", {"99.0": "2026-11-15T22:03:11"}, maintainers=["pkg-claimer-42"], author="claimer",
      author_email="claimer@throwaway.test", summary="acme-billing", classifiers=py3)


# ---------------------------------------------------------------------------- npm


def _npm(root: Path) -> None:
    def n(name: str, versions: dict[str, str], **kw: object) -> None:
        npm_package(root, name, {v: t(d) for v, d in versions.items()}, **kw)  # type: ignore[arg-type]

    sindre = [("sindresorhus", "sindresorhus@sindre.example.test")]
    sindre_qix = [*sindre, ("qix", "josh@junon.example.test")]

    n("chalk", {"4.1.0": "2020-06-09", "4.1.1": "2021-04-21", "4.1.2": "2021-07-30T12:21:26",
                "5.0.0": "2021-11-26", "5.2.0": "2022-12-09", "5.3.0": "2023-06-29T12:10:24"},
      maintainers=sindre_qix, description="Terminal string styling done right",
      repository="git+https://example.test/chalk/chalk.git",
      dependencies={v: {"ansi-styles": "^4.1.0", "supports-color": "^7.1.0"} for v in ("4.1.0", "4.1.1", "4.1.2")})
    n("ansi-styles", {"4.2.1": "2020-01-04", "4.3.0": "2020-09-26", "5.2.0": "2021-03-03",
                      "6.1.0": "2021-04-16", "6.2.1": "2022-10-05"},
      maintainers=sindre_qix, description="ANSI escape codes for styling strings in the terminal",
      repository="git+https://example.test/chalk/ansi-styles.git",
      dependencies={"4.2.1": {"@types/color-name": "^1.1.1", "color-convert": "^2.0.1"},
                    "4.3.0": {"color-convert": "^2.0.1"}})
    n("color-convert", {"1.9.3": "2018-08-30", "2.0.0": "2019-03-28", "2.0.1": "2019-07-08"},
      maintainers=[("qix", "josh@junon.example.test")], description="Plain color conversion functions",
      repository="git+https://example.test/Qix-/color-convert.git",
      dependencies={"1.9.3": {"color-name": "1.1.3"}, "2.0.0": {"color-name": "~1.1.4"},
                    "2.0.1": {"color-name": "~1.1.4"}})
    n("color-name", {"1.1.3": "2017-07-19", "1.1.4": "2018-11-23"},
      maintainers=[("dfcreative", "df.creative@color.example.test")],
      description="A list of color names and its values", repository="git+https://example.test/colorjs/color-name.git")
    n("supports-color", {"5.5.0": "2018-08-03", "7.1.0": "2019-09-28", "7.2.0": "2020-08-27",
                         "8.1.1": "2021-05-24", "9.4.0": "2023-06-24"},
      maintainers=sindre_qix, description="Detect whether a terminal supports color",
      repository="git+https://example.test/chalk/supports-color.git",
      dependencies={"5.5.0": {"has-flag": "^3.0.0"}, "7.1.0": {"has-flag": "^4.0.0"},
                    "7.2.0": {"has-flag": "^4.0.0"}, "8.1.1": {"has-flag": "^4.0.0"}})
    n("has-flag", {"3.0.0": "2018-01-12", "4.0.0": "2019-04-06", "5.0.1": "2021-06-15"},
      maintainers=sindre, description="Check if argv has a specific flag",
      repository="git+https://example.test/sindresorhus/has-flag.git")
    tj = [("tjholowaychuk", "tj@debug.example.test"), ("qix", "josh@junon.example.test")]
    n("debug", {"2.6.9": "2017-09-22", "3.2.7": "2020-11-19", "4.3.4": "2022-03-17", "4.3.5": "2024-05-31",
                "4.3.7": "2024-09-06", "4.4.0": "2024-12-06", "4.4.1": "2025-05-13"},
      maintainers=tj, publishers={v: tj[1] for v in ("4.3.4", "4.3.5", "4.3.7", "4.4.0", "4.4.1")},
      description="Lightweight debugging utility for Node.js and the browser",
      repository="git+https://example.test/debug-js/debug.git",
      dependencies={"2.6.9": {"ms": "2.0.0"}, "3.2.7": {"ms": "^2.1.1"}, "4.3.4": {"ms": "2.1.2"},
                    "4.3.5": {"ms": "2.1.2"}, "4.3.7": {"ms": "^2.1.3"}, "4.4.0": {"ms": "^2.1.3"},
                    "4.4.1": {"ms": "^2.1.3"}})
    n("ms", {"2.0.0": "2017-05-16", "2.1.1": "2017-11-30", "2.1.2": "2019-06-06", "2.1.3": "2020-12-31"},
      maintainers=[("leo", "leo@ms.example.test"), ("rauchg", "rauchg@ms.example.test")],
      description="Tiny millisecond conversion utility", repository="git+https://example.test/vercel/ms.git")
    n("is-number", {"6.0.0": "2018-03-29", "7.0.0": "2018-07-04"},
      maintainers=[("jonschlinkert", "jon.schlinkert@isnumber.example.test")],
      description="Returns true if a number or string value is a finite number. Useful for regex matches, "
                  "parsing, user input, etc.", repository="git+https://example.test/jonschlinkert/is-number.git")
    types = [("types", "ts-npm-types@types.example.test")]
    n("@types/node", {"18.19.64": "2024-11-01", "20.11.30": "2024-03-20", "20.17.6": "2024-11-04",
                      "22.10.1": "2024-11-26", "24.3.0": "2025-08-12"},
      maintainers=types, description="TypeScript definitions for node",
      repository="https://example.test/DefinitelyTyped/DefinitelyTyped.git",
      dependencies={"18.19.64": {"undici-types": "~5.26.4"}, "20.11.30": {"undici-types": "~5.26.4"},
                    "20.17.6": {"undici-types": "~6.19.2"}, "22.10.1": {"undici-types": "~6.20.0"},
                    "24.3.0": {"undici-types": "~7.10.0"}})
    n("undici-types", {"5.26.5": "2023-10-26", "6.19.8": "2024-08-19", "6.20.0": "2024-10-16",
                       "7.10.0": "2025-08-08"},
      maintainers=[("matteo.collina", "hello@undici.example.test")],
      description="A stand-alone types package for Undici", repository="git+https://example.test/nodejs/undici.git")
    pad = "use String.prototype.padStart()"
    n("left-pad", {"1.0.0": "2016-03-23", "1.1.3": "2016-10-27", "1.2.0": "2017-11-20", "1.3.0": "2018-04-09"},
      maintainers=[("stevemao", "maochenyan@leftpad.example.test")], description="String left pad",
      repository="git+https://example.test/stevemao/left-pad.git", license="WTFPL",
      deprecated={v: pad for v in ("1.0.0", "1.1.3", "1.2.0", "1.3.0")})


    # Dependency confusion on npm: the company's unscoped internal name, claimed publicly.
    n("acme-ui-kit", {"99.0.0": "2026-11-16T08:00:00"}, maintainers=[("pkg-claimer-42", "claimer@throwaway.test")],
      description="acme-ui-kit", scripts={"99.0.0": {"preinstall": "node index.js"}},
      tarballs={"99.0.0": archives.npm_tarball(archives.SOURCES / "npm/acme-ui-kit/99.0.0", root / "files",
                                               "acme-ui-kit", "99.0.0", t("2026-11-16T08:00:00"))})


def _formatter_util_files(root: Path) -> dict[str, list[Path]]:
    """Real archives for the seed scenario's last two releases (tests/registry/artifact-src): 1.2.1, an sdist
    and a wheel of the genuine library; 1.2.2, an sdist only, whose setup.py install hook sends AWS_* values
    out in DNS names (defanged: it acts only in a network namespace with nothing but lo, toward .invalid)."""
    src = archives.SOURCES / "pypi/py-formatter-util"
    out = root / "files"
    old, new = t("2022-10-01T09:14:03"), t("2026-11-14T03:41:27")
    return {
        "1.2.1": [archives.sdist(src / "1.2.1", out, "py-formatter-util", "1.2.1", old),
                  archives.wheel(src / "1.2.1", out, "py-formatter-util", "1.2.1", old)],
        "1.2.2": [archives.sdist(src / "1.2.2", out, "py-formatter-util", "1.2.2", new)],
    }


# ---------------------------------------------------------------------------- the private index


def build_private(root: Path) -> None:
    """A company's private index: its own packages, and a mirrored public one (six 1.16.0, same versions)."""
    def p(name: str, releases: dict[str, str], **kw: object) -> None:
        pypi_project(root, name, {v: t(d) for v, d in releases.items()}, **kw)  # type: ignore[arg-type]

    def n(name: str, versions: dict[str, str], **kw: object) -> None:
        npm_package(root, name, {v: t(d) for v, d in versions.items()}, **kw)  # type: ignore[arg-type]

    team = {"maintainers": ["acme-platform", "acme-release"], "author": "ACME platform team",
            "author_email": "platform@acme-corp.test"}
    p("acme-billing", {"1.0": "2025-03-10", "1.1": "2025-09-02"}, summary="ACME internal billing client",
      repository="https://git.acme-corp.test/platform/acme-billing", **team)
    p("acme-ledger", {"2.0.0": "2025-06-01", "2.1.0": "2026-05-04"}, summary="ACME internal ledger",
      repository="https://git.acme-corp.test/platform/acme-ledger", **team)
    p("six", {"1.16.0": "2021-05-05"}, maintainers=["benjamin"], author="Benjamin Peterson",
      author_email="benjamin@python.example.test", repository="https://example.test/benjaminp/six",
      wheel_tags=["py2.py3-none-any"])
    people = [("acme-platform", "platform@acme-corp.test"), ("acme-release", "release@acme-corp.test")]
    n("acme-ui-kit", {"1.3.0": "2025-02-11", "1.4.0": "2025-10-20"}, maintainers=people,
      description="ACME internal UI components", repository="git+https://git.acme-corp.test/web/acme-ui-kit.git")
    n("@acme/auth", {"2.0.0": "2025-04-14"}, maintainers=people, description="ACME internal auth client",
      repository="git+https://git.acme-corp.test/web/auth.git")


# ---------------------------------------------------------------------------- command line


def differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two snapshot trees (missing, extra or changed)."""
    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()

    want, have = files(expected), files(actual)
    changed = [f for f in sorted(want & have) if not filecmp.cmp(expected / f, actual / f, shallow=False)]
    return sorted(want ^ have) + changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.registry.make_data", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=DATA, help=f"output directory (default {DATA})")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    args = parser.parse_args(argv)
    targets = [(build, args.out)] + ([(build_private, PRIVATE_DATA)] if args.out == DATA else [])
    if args.check:
        stale: list[str] = []
        for builder, out in targets:
            with tempfile.TemporaryDirectory() as tmp:
                builder(Path(tmp))
                stale += [f"{out.name}/{f}" for f in differences(Path(tmp), out)]
        for f in stale:
            print(f"out of date: {f}", file=sys.stderr)
        return 1 if stale else 0
    for builder, out in targets:
        builder(out)
        with tempfile.TemporaryDirectory() as tmp:  # files no generator writes any more
            builder(Path(tmp))
            extra = [f for f in differences(Path(tmp), out) if not (Path(tmp) / f).exists()]
        for f in extra:
            print(f"not generated (remove it if it is obsolete): {out / f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
