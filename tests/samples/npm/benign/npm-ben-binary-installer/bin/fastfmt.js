#!/usr/bin/env node
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const native = path.join(__dirname, 'fastfmt-native');
if (fs.existsSync(native)) {
  process.exitCode = spawnSync(native, process.argv.slice(2), { stdio: 'inherit' }).status;
} else {
  require('../lib/fallback.js')(process.argv.slice(2));
}
