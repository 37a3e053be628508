// Organisers' phonebank pages: the purpose note under the purpose picker, and the join link's copy button.

const notesEl = document.getElementById("purpose-notes");
const purpose = document.getElementById("id_purpose");
const note = document.getElementById("purpose-note");
if (notesEl && purpose && note) {
  const notes = JSON.parse(notesEl.textContent);
  const show = () => { note.textContent = notes[purpose.value] || ""; };
  purpose.addEventListener("change", show);
  show();
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const field = document.querySelector(button.dataset.copy);
    const status = button.parentElement.querySelector("[data-copy-status]");
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = "Copied.";
    } catch {
      // No clipboard permission (an http page, an old browser): select it so Ctrl+C works.
      field.select();
      if (status) status.textContent = "Press Ctrl+C to copy.";
    }
  });
}
