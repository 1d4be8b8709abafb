// MathJax 3 is served from this site (assets/mathjax/, copied at build time): no CDN request.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex"
  },
  // each formula carries its own glyphs, so content swapped in by instant navigation is complete
  svg: { fontCache: "local" }
};

// Instant navigation swaps the page content without a reload: typeset the new content, after
// MathJax's own start-up (which typesets the first page) has finished.
document$.subscribe(() => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return;
  MathJax.startup.promise = MathJax.startup.promise.then(() => {
    MathJax.typesetClear();
    MathJax.texReset();
    return MathJax.typesetPromise();
  });
});
