/* The learning-rate slider (generator/kinds/linreg_sgd/sweep_plot.py draws it). Each
   <div class="lr-sweep-widget"> holds an <input type="range" class="lr-sweep">, one SVG group
   <g class="lr-run" data-index="k"> per grid point and one caption <p class="lr-sweep-caption"
   data-index="k" data-lr="..."> per grid point, every one but the page's own hidden. Moving the
   slider (pointer or arrow keys) shows the picked point's curve and caption, and names its
   learning rate in the <output>. Without JavaScript the slider stays hidden and the page's own run
   shows. Plain JavaScript, no library; the numbers and words are the page's, rendered from the
   results at build time. */
(function () {
  "use strict";

  function pick(widget, index) {
    var caption = null;
    widget.querySelectorAll("[data-index]").forEach(function (element) {
      var shown = element.getAttribute("data-index") === String(index);
      if (shown) element.removeAttribute("hidden");
      else element.setAttribute("hidden", "");
      if (shown && element.classList.contains("lr-sweep-caption")) caption = element;
    });
    var slider = widget.querySelector("input.lr-sweep");
    var output = widget.querySelector("output.lr-sweep-value");
    if (caption && output) output.textContent = caption.getAttribute("data-lr");
    if (caption && slider) slider.setAttribute("aria-valuetext", caption.getAttribute("data-valuetext"));
  }

  function start() {
    document.querySelectorAll(".lr-sweep-widget").forEach(function (widget) {
      var controls = widget.querySelector(".lr-sweep-controls");
      if (controls) controls.removeAttribute("hidden");
      var slider = widget.querySelector("input.lr-sweep");
      if (slider) pick(widget, slider.value);
    });
  }

  document.addEventListener("input", function (event) {
    var slider = event.target;
    if (!(slider instanceof HTMLInputElement) || !slider.classList.contains("lr-sweep")) return;
    var widget = slider.closest(".lr-sweep-widget");
    if (widget) pick(widget, slider.value);
  });

  if (typeof document$ !== "undefined") document$.subscribe(start);
  else document.addEventListener("DOMContentLoaded", start);
})();
