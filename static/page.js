/* Mustafid: the few page actions once written inline (onclick=, javascript:), kept here so the
   Content-Security-Policy can refuse every inline script. A button with data-print prints the
   page; one with data-back goes back a page. */
document.addEventListener("click", function (event) {
  var target = event.target.closest && event.target.closest("[data-print], [data-back]");
  if (!target) { return; }
  event.preventDefault();
  if (target.hasAttribute("data-print")) { window.print(); } else { window.history.back(); }
});
