'use strict';
module.exports = function format(files) {
  for (const file of files) console.log(`fastfmt (js): ${file}`);
};
