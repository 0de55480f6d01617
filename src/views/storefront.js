(function () {
  var p = "__PARAM__", days = __DAYS__, v;
  try { v = new URLSearchParams(location.search).get(p); } catch (e) { return; }
  if (!v || !/^clk_[A-Za-z0-9_-]{1,200}$/.test(v)) return;
  document.cookie = p + "=" + v + "; max-age=" + days * 86400 + "; path=/; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
  if (window.Shopify && window.fetch) {
    var a = {};
    a[p] = v;
    fetch("/cart/update.js", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ attributes: a })
    }).catch(function () {});
  }
})();
