// Forms that do something hard to undo carry data-confirm="question": ask before sending.
// (A file, not an inline handler, so pages keep a strict Content-Security-Policy.)
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});
