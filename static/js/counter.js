/* Character counters for the fields that carry data-limit (the idea form): "120 of 200
   characters", marked once past the limit. The count is the one the server checks: spaces
   at either end dropped, a line break as two characters (browsers send CR LF), and
   characters rather than UTF-16 units. Screen readers hear it once typing pauses, and only
   near or past the limit. Without JavaScript the help texts say the limits and the server
   refuses an over-long text with its length. */
(function () {
  "use strict";

  var PAUSE_MS = 1000;
  var NEAR = 0.9; // announce from 90 % of the limit
  // The words in the page's language: the page carries them, translated by its template
  // (#counter-words: data-count, data-over), and its lang attribute says how numbers are
  // written. English when they are missing.
  var GIVEN = (document.getElementById("counter-words") || {}).dataset || {};
  var WORDS = {
    count: GIVEN.count || "{count} of {limit} characters",
    over: GIVEN.over || ": {over} too many",
  };
  var LANG = document.documentElement.lang || "en";

  function length(value) {
    return Array.from(value.trim().replace(/\r?\n/g, "\r\n")).length;
  }

  function attach(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    if (!limit) {
      return;
    }
    var shown = document.createElement("small");
    shown.className = "counter";
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("span");
    spoken.className = "sr-only";
    spoken.setAttribute("aria-live", "polite");
    // After the help text that states the limit, where there is one.
    var help = document.getElementById(field.id + "_helptext");
    (help || field).insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);
    var timer = null;

    function update(announce) {
      var count = length(field.value);
      var over = count - limit;
      var text = WORDS.count
        .replace("{count}", count.toLocaleString(LANG))
        .replace("{limit}", limit.toLocaleString(LANG));
      if (over > 0) {
        text += WORDS.over.replace("{over}", over.toLocaleString(LANG));
      }
      shown.textContent = text;
      shown.classList.toggle("over", over > 0);
      if (announce) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          spoken.textContent = count >= limit * NEAR ? text : "";
        }, PAUSE_MS);
      }
    }

    field.addEventListener("input", function () {
      update(true);
    });
    update(false);
  }

  document.querySelectorAll("[data-limit]").forEach(attach);
})();
