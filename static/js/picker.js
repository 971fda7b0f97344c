// Record pickers (talents/pickers.py): a text box that offers matching names as the user types.
// Progressive enhancement: without this script the typed name is resolved on the server.
// The box carries data-picker-url (the JSON endpoint), data-picker-name (the hidden input's name)
// and the page's own words for "no match" and "more" (data-picker-empty, data-picker-more).
(function () {
  "use strict";
  var DELAY = 250;
  var made = 0;

  function setUp(box) {
    var wrap = box.closest(".picker") || box.parentNode;
    var name = box.getAttribute("data-picker-name");
    var listId = (box.id || "picker" + ++made) + "_list";
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var timer = null;
    var active = -1;
    var items = [];
    var asked = null;
    var sent = 0;

    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    if (box.labels && box.labels.length) {
      box.labels[0].id = box.labels[0].id || listId + "_label";
      list.setAttribute("aria-labelledby", box.labels[0].id);
    }
    list.hidden = true;
    box.insertAdjacentElement("afterend", list);
    // "No match" and "more: type more" are said, not listed: a listbox holds only options.
    status.className = "picker-status";
    status.setAttribute("role", "status");
    list.insertAdjacentElement("afterend", status);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", listId);

    function hiddenInput() {
      var hidden = wrap.querySelector('input[type="hidden"]');
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = name;
        wrap.appendChild(hidden);
      }
      return hidden;
    }

    function close() {
      list.hidden = true;
      status.textContent = "";
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll('[role="option"]');
      if (!options.length) return;
      active = Math.max(0, Math.min(index, options.length - 1));
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      box.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      box.value = item.label;
      asked = item.label;
      hiddenInput().value = item.id;
      // Candidates the server offered (radio buttons of the same name) give way to the choice.
      var candidates = wrap.querySelector(".picker-candidates");
      if (candidates) candidates.remove();
      close();
    }

    function show(data) {
      list.textContent = "";
      items = data.results || [];
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "_" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.index = String(i);
        li.textContent = item.label;
        list.appendChild(li);
      });
      status.textContent = !items.length
        ? box.getAttribute("data-picker-empty") || ""
        : data.more
          ? box.getAttribute("data-picker-more") || ""
          : "";
      active = -1;
      box.removeAttribute("aria-activedescendant");
      list.hidden = !items.length;
      box.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    function search() {
      var q = box.value.trim().replace(/\s+/g, " ");
      if (!q) {
        close();
        asked = null;
        return;
      }
      if (q === asked && !list.hidden) return;
      asked = q;
      var mine = ++sent;
      fetch(box.getAttribute("data-picker-url") + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && mine === sent && document.activeElement === box) show(data);
        })
        .catch(function () {
          /* No signal: the typed name is resolved on the server when the form is sent. */
        });
    }

    box.addEventListener("input", function () {
      // Not created here: where the server listed candidates, their radio buttons carry the pk.
      var hidden = wrap.querySelector('input[type="hidden"]');
      if (hidden) hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) search();
        else highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        if (!list.hidden) {
          event.preventDefault();
          highlight(active - 1);
        }
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    box.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
    // Keep the focus in the box while an option is pressed, so the list stays open for the click.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) choose(Number(option.dataset.index));
    });
  }

  document.querySelectorAll("input[data-picker-url]").forEach(setUp);
})();
