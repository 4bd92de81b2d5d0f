// A live character count for the tip form's description. Without
// JavaScript the page states the limit and the server says when it is
// passed; nothing is ever cut silently (no maxlength).
(function () {
  "use strict";
  var box = document.getElementById("description");
  var out = document.getElementById("description-count");
  if (!box || !out) return;
  var max = parseInt(out.getAttribute("data-max"), 10) || 5000;
  function update() {
    var n = Array.from(box.value).length;
    out.textContent = n > max
      ? "已写 " + n + " 字，超出 " + (n - max) + " 字，请删减。 (" + n + " of " + max + " characters: please shorten.)"
      : "已写 " + n + " / " + max + " 字 (" + n + " of " + max + " characters)";
    out.className = n > max ? "counter err" : "counter";
  }
  box.addEventListener("input", update);
  update();
})();
