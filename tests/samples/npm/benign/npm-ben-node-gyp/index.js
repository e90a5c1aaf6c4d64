'use strict';
const binding = require('./build/Release/crc32c.node');

module.exports = function crc32c(input) {
  return binding.calculate(Buffer.isBuffer(input) ? input : Buffer.from(String(input)));
};
