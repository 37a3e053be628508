// Loaded on every page. A wide table scrolls sideways inside its wrapper on a phone: make the wrapper reachable
// and scrollable from the keyboard (and named for screen readers), also for tables htmx swaps in later.
function keyboardScrollable(root) {
  for (const wrap of root.querySelectorAll(".table-wrap:not([tabindex])")) {
    wrap.tabIndex = 0;
    if (!wrap.hasAttribute("role")) wrap.setAttribute("role", "region");
    if (!wrap.hasAttribute("aria-label")) {
      const table = wrap.querySelector("table");
      wrap.setAttribute("aria-label", table?.getAttribute("aria-label") || table?.caption?.textContent || "Table");
    }
  }
}
keyboardScrollable(document);
document.body.addEventListener("htmx:afterSwap", (event) => keyboardScrollable(event.target));
