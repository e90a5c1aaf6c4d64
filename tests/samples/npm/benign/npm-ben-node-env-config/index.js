'use strict';
const defaults = require('./config/default.json');

const env = process.env.NODE_ENV || 'development';

module.exports = Object.freeze(Object.assign({ env }, defaults[env] || defaults.development));
