/* Linked content tabs inside a folded block. mkdocs-material restores the tab a reader picked
   (content.tabs.link, stored as "__tabs") by each label's innerText, which is empty while the label
   sits in a closed <details>: the MSE pages' tabs are in an exercise's folded answer. This restores
   them by textContent, on every page load and after instant navigation. */
(function () {
  "use strict";

  function restore() {
    var picked = typeof __md_get === "function" ? __md_get("__tabs") : null;
    if (!Array.isArray(picked)) return;
    document.querySelectorAll("details .tabbed-set").forEach(function (set) {
      var labels = set.querySelectorAll(".tabbed-labels > label");
      for (var i = 0; i < picked.length; i += 1) {
        for (var j = 0; j < labels.length; j += 1) {
          if (labels[j].textContent.trim() === picked[i]) {
            document.getElementById(labels[j].htmlFor).checked = true;
            return;
          }
        }
      }
    });
  }

  if (typeof document$ !== "undefined") document$.subscribe(restore);
  else document.addEventListener("DOMContentLoaded", restore);
})();
