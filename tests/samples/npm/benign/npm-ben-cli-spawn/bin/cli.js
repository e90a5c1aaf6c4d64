#!/usr/bin/env node
'use strict';
const { spawn } = require('child_process');

const child = spawn('git', ['status', '--short', '--branch'], { stdio: 'inherit' });
child.on('error', (err) => {
  console.error(`git-glance: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code) => process.exit(code === null ? 1 : code));
