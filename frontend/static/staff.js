// Keyboard help for staff pages; every page works without it.
// Queue: j/k move the selection, Enter opens. Case: d jumps to the dispatch
// form; Ctrl+Enter (or Cmd+Enter) submits the form that has the focus, so a
// dispatcher never needs to tab down to the button.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT";
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll(".queue tbody tr"));
  var at = -1;
  function select(i) {
    if (!rows.length) return;
    if (at >= 0) rows[at].classList.remove("sel");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("sel");
    var a = rows[at].querySelector("a");
    if (a) a.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.form) {
      e.preventDefault();
      e.target.form.requestSubmit();
      return;
    }
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") { select(at + 1); e.preventDefault(); }
    else if (e.key === "k") { select(at - 1); e.preventDefault(); }
    else if (e.key === "d") {
      var f = document.getElementById("lead_bureau");
      if (f) { f.focus(); e.preventDefault(); }
    }
  });
})();
