module.exports = { rules: { indent: 'off', quotes: 'off', semi: 'off' } };
