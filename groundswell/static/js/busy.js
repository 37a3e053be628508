// Long form submissions (imports): show an indeterminate progress bar and stop double submits.
for (const form of document.querySelectorAll("form[data-busy]")) {
  form.addEventListener("submit", () => {
    const busy = document.getElementById(form.dataset.busy);
    if (busy) busy.hidden = false;
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  });
}
