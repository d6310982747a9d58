// Search-as-you-type for every search box that names a suggestion address
// (data-suggest-url): an ARIA 1.2 combobox with a listbox popup. Without this script each
// box is a plain GET form to /search/, which still works.
(function () {
  "use strict";

  if (!window.fetch) {
    return;
  }
  var boxes = document.querySelectorAll("input[data-suggest-url]");
  for (var i = 0; i < boxes.length; i++) {
    if (boxes[i].form && boxes[i].id) {
      attach(boxes[i]);
    }
  }

  function attach(input) {
    var endpoint = input.dataset.suggestUrl;
    var DEBOUNCE_MS = 150;
    var listId = input.id + "-suggestions";

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;

    // Screen readers hear how many suggestions arrived, since focus stays in the box.
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    input.parentNode.appendChild(list);
    input.parentNode.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = null;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function isOpen() {
      return !list.hidden;
    }

    function open() {
      if (!results.length) {
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function setActive(index) {
      var items = options();
      active = index;
      for (var i = 0; i < items.length; i++) {
        items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(index) {
      var target = results[index];
      if (target) {
        window.location.assign(target.url);
      }
    }

    function render(found) {
      results = found;
      list.textContent = "";
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.className = "suggest-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var code = document.createElement("span");
        code.className = "suggest-code";
        code.textContent = item.code;
        var text = document.createElement("span");
        text.className = "suggest-text";
        text.textContent = item.short_description;
        option.appendChild(code);
        option.appendChild(text);
        if (item.status) {
          // Terminated codes say so (and what replaces them) in the option itself, so the
          // screen reader hears it too.
          var state = document.createElement("span");
          state.className = "suggest-status";
          state.textContent = item.status;
          option.appendChild(state);
        }
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (found.length) {
        status.textContent =
          found.length +
          (found.length === 1 ? " suggestion" : " suggestions") +
          ", use the up and down arrow keys to choose.";
        open();
      } else {
        status.textContent = "";
        close();
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) {
        open();
        return;
      }
      if (controller) {
        controller.abort();
      }
      if (!query) {
        lastQuery = query;
        render([]);
        return;
      }
      controller = window.AbortController ? new AbortController() : null;
      window
        .fetch(endpoint + "?q=" + encodeURIComponent(query), {
          headers: { Accept: "application/json" },
          signal: controller ? controller.signal : undefined,
        })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          // A slower, older answer must not replace the list for newer text.
          if (input.value.trim() !== query) {
            return;
          }
          lastQuery = query;
          render(data.results || []);
        })
        .catch(function () {
          // Aborted or offline: the plain form still submits.
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = results.length;
      switch (event.key) {
        case "ArrowDown":
          if (!count) {
            return;
          }
          event.preventDefault();
          if (!isOpen()) {
            open();
            setActive(0);
          } else {
            setActive((active + 1) % count);
          }
          break;
        case "ArrowUp":
          if (!count) {
            return;
          }
          event.preventDefault();
          if (!isOpen()) {
            open();
            setActive(count - 1);
          } else {
            setActive(active <= 0 ? count - 1 : active - 1);
          }
          break;
        case "Enter":
          if (isOpen() && active >= 0) {
            event.preventDefault();
            go(active);
          }
          break;
        case "Escape":
          if (isOpen()) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      close();
    });

    // mousedown would move focus out of the box and close the list before the click lands.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });

    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        go(Array.prototype.indexOf.call(options(), option));
      }
    });

    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        var index = Array.prototype.indexOf.call(options(), option);
        if (index !== active) {
          setActive(index);
        }
      }
    });
  }
})();
