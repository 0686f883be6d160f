// The summary page's one script (the CSP allows no inline code): its print button.
(function () {
  var button = document.getElementById("print-summary");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
