// Record-a-contact page: "add another" rows for suggestions and difficulties, and a guard
// against a second tap while the first post is on its way. The form works without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-formset]").forEach(function (group) {
    var prefix = group.dataset.formset;
    var total = group.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var button = group.querySelector(".add-row");
    var template = group.querySelector("template");
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      group.querySelector(".rows").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = group.querySelectorAll(".rows .row")[index].querySelector("textarea");
      if (first) { first.focus(); }
    });
  });
  var form = document.querySelector(".contact-form");
  if (form) {
    // Back after saving re-fetches the form with a fresh token while the browser restores what
    // was typed; saving again would then be a second contact. Reuse the token of the last
    // submission on a back/forward visit so the server recognises the resend.
    var token = form.querySelector("input[name='token']");
    var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    var stored = window.sessionStorage ? sessionStorage.getItem("meijia.contact.token") : null;
    if (nav && nav.type === "back_forward" && stored) { token.value = stored; }
    form.addEventListener("submit", function () {
      if (window.sessionStorage) { sessionStorage.setItem("meijia.contact.token", token.value); }
      var submit = form.querySelector("button[type='submit']");
      // Disabled after the browser has taken the click; the server's token catches resends anyway.
      setTimeout(function () { submit.disabled = true; }, 0);
    });
  }
})();
