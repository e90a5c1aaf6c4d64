module.exports = function tinycolour(input) {
  return { input, isValid: /^#?[0-9a-f]{6}$/i.test(input) };
};
