'use strict';
function UAParser(ua) {
  this.ua = ua || '';
}
UAParser.prototype.getBrowser = function () {
  const m = /(firefox|chrome|safari)\/([\d.]+)/i.exec(this.ua);
  return m ? { name: m[1], version: m[2] } : { name: undefined, version: undefined };
};
module.exports = UAParser;
