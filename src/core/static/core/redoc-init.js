// Starts ReDoc on #redoc-container under the site's Content-Security-Policy.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var options = JSON.parse(container.dataset.settings || "{}");

  // ReDoc writes <style> elements at runtime and tags them with the nonce we pass:
  // this page's CSP nonce, read from the nonce attribute of this very script.
  var nonce = document.currentScript && document.currentScript.nonce;
  if (nonce) { options.nonce = nonce; }

  // ReDoc's sidebar footer shows a logo fetched from cdn.redoc.ly. The page makes
  // no request to another host (and img-src would refuse it), so the logo gets an
  // empty image instead; its onerror handler then hides it, as it does offline.
  // React sets an <img> source both as an attribute and as the src property.
  function local(value) {
    return String(value).indexOf("https://cdn.redoc.ly/") === 0 ? "data:," : value;
  }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src") {
      value = local(value);
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) { src.set.call(this, local(value)); },
  });

  window.Redoc.init(container.dataset.specUrl, options, container);
})();
