// Search as you type: progressive enhancement only. Without this file the form
// submits to /?q=TEXT and the server renders the same results.
(function () {
  "use strict";
  var form = document.querySelector('form[role="search"]');
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch) { return; }
  var input = form.querySelector('input[name="q"]');
  var timer = null;
  var latest = 0;

  function show(query) {
    var ticket = ++latest;
    var url = "/?fragment=1&q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || ticket !== latest) { return; }  // an older answer
        results.innerHTML = html;  // server-rendered and escaped (Jinja2 autoescape)
        var address = query ? "/?q=" + encodeURIComponent(query) : "/";
        window.history.replaceState(null, "", address);
      })
      .catch(function () { /* the Search button still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { show(input.value.trim()); }, 120);
  });
})();
