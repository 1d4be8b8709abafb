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
  svg: { fontCache: "global" }
};

// Instant navigation swaps page content without a reload: typeset every new page again.
document$.subscribe(() => {
  if (!window.MathJax.typesetPromise) return;  // first page: MathJax typesets it on start-up
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
