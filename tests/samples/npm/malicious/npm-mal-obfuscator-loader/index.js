module.exports = function cx(...names) {
  return names.filter(Boolean).join(' ');
};
