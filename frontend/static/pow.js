// Proof-of-work for the tip form: find a nonce whose SHA-256 with the
// server's challenge starts with the required zero bits, then submit.
// Without JavaScript (or without WebCrypto) the form is posted as is and the
// server applies a lower per-client limit instead.
(function () {
  "use strict";
  var form = document.getElementById("tip-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var challenge = form.querySelector("input[name=pow_challenge]");
  var nonceField = form.querySelector("input[name=pow_nonce]");
  var status = document.getElementById("pow-status");
  var bits = parseInt(challenge.getAttribute("data-bits"), 10) || 0;
  var encoder = new TextEncoder();
  var solved = false;

  function zeroBits(buf) {
    var bytes = new Uint8Array(buf), n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      return n + Math.clz32(bytes[i]) - 24;
    }
    return n;
  }

  async function solve() {
    for (var nonce = 0; ; nonce++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge.value + ":" + nonce));
      if (zeroBits(digest) >= bits) return String(nonce);
    }
  }

  form.addEventListener("submit", function (event) {
    if (solved || !challenge.value) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.hidden = false;
    status.textContent = "正在提交，请稍候…… (Submitting, one moment…)";
    solve().then(function (nonce) {
      nonceField.value = nonce;
      solved = true;
      form.submit();
    });
  });
})();
