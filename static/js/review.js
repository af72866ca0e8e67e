// Keyboard shortcuts for the review queue. Progressive enhancement only: without this
// file every suggestion still has its own Accept and Reject buttons.
//
//   j / ArrowDown  next suggestion        a  accept the current suggestion
//   k / ArrowUp    previous suggestion    r  reject the current suggestion
//   ?              show the list of shortcuts
//
// Keys are ignored while typing in a box or with Ctrl, Alt or Cmd held. Single-key
// shortcuts can be switched off (WCAG 2.1.4), and the choice is remembered.
(function () {
  "use strict";

  var queue = document.querySelector("[data-review-queue]");
  if (!queue) {
    return;
  }
  var suggestions = Array.prototype.slice.call(queue.querySelectorAll("[data-suggestion]"));
  var shortcuts = document.querySelector("[data-review-shortcuts]");
  var STORAGE_KEY = "engage.reviewShortcuts";
  var current = -1;

  function enabled() {
    try {
      return window.localStorage.getItem(STORAGE_KEY) !== "off";
    } catch (error) {
      return true; // storage blocked: shortcuts stay on, the switch still works for this page
    }
  }

  var on = enabled();

  function mark(index, focused) {
    var suggestion = suggestions[index];
    if (!suggestion) {
      return;
    }
    // A visible marker besides the browser's focus ring (CSSOM, allowed by the CSP).
    suggestion.style.outline = focused ? "3px solid #ffdd00" : "";
    suggestion.style.boxShadow = focused ? "0 0 0 6px #0b0c0c" : "";
  }

  function focusSuggestion(index) {
    if (!suggestions.length) {
      return;
    }
    index = Math.max(0, Math.min(suggestions.length - 1, index));
    mark(current, false);
    current = index;
    mark(current, true);
    suggestions[current].focus();
    suggestions[current].scrollIntoView({ block: "nearest" });
  }

  function decide(action) {
    if (current < 0) {
      return;
    }
    var button = suggestions[current].querySelector('[data-review-action="' + action + '"]');
    if (button) {
      button.click(); // submits its own form, exactly as a mouse click would
    }
  }

  function showShortcuts() {
    if (!shortcuts) {
      return;
    }
    shortcuts.open = true;
    var summary = shortcuts.querySelector("summary");
    if (summary) {
      summary.focus();
    }
    shortcuts.scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (!on || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "j" || key === "ArrowDown") {
      focusSuggestion(current + 1);
    } else if (key === "k" || key === "ArrowUp") {
      focusSuggestion(current < 0 ? 0 : current - 1);
    } else if (key === "a") {
      decide("accept");
    } else if (key === "r") {
      decide("reject");
    } else if (key === "?") {
      showShortcuts();
    } else {
      return;
    }
    event.preventDefault();
  });

  // Keep "current" in step with clicks and Tab, so a and r act where the officer is.
  suggestions.forEach(function (suggestion, index) {
    suggestion.addEventListener("focusin", function () {
      if (current !== index) {
        mark(current, false);
        current = index;
      }
    });
  });

  // After deciding, the page comes back at the same place (#suggestion-N): carry on from there.
  var match = /^#suggestion-(\d+)$/.exec(window.location.hash);
  if (match && suggestions.length) {
    focusSuggestion(Math.min(parseInt(match[1], 10), suggestions.length) - 1);
  }

  // The switch to turn the shortcuts off, only where they exist (with JavaScript).
  var status = shortcuts && shortcuts.querySelector("[data-review-shortcuts-status]");
  if (status) {
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0";
    var describe = function () {
      status.textContent = on ? "Keyboard shortcuts are on." : "Keyboard shortcuts are off.";
      toggle.textContent = on ? "Turn keyboard shortcuts off" : "Turn keyboard shortcuts on";
    };
    toggle.addEventListener("click", function () {
      on = !on;
      try {
        window.localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
      } catch (error) {
        // not remembered; still switched for this page
      }
      describe();
    });
    status.setAttribute("aria-live", "polite");
    status.classList.remove("govuk-!-margin-bottom-0");
    status.parentNode.appendChild(toggle);
    describe();
  }
})();
