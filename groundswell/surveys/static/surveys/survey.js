// Shows a conditional question only while the earlier answer it depends on matches, and disables its fields
// while hidden so they are not sent. Without JavaScript every question shows and the server drops answers to
// questions that were not asked (surveys/services.py: clean_answers).

function answersTo(form, key) {
  const name = `q_${key}`;
  const values = [];
  for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
    if (el.disabled) continue;
    if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
    if (el.value) values.push(el.value);
  }
  return values;
}

function refresh(form) {
  // In order: a question hidden by an earlier answer disables its fields, which can hide later ones in turn.
  for (const box of form.querySelectorAll(".sv-q[data-condition]")) {
    const cond = JSON.parse(box.dataset.condition);
    const given = answersTo(form, cond.question);
    const shown = given.some((v) => cond.in.map(String).includes(v));
    box.hidden = !shown;
    for (const el of box.querySelectorAll("input, select, textarea")) el.disabled = !shown;
  }
}

for (const form of document.querySelectorAll("form")) {
  if (!form.querySelector(".sv-q")) continue;
  form.addEventListener("change", () => refresh(form));
  refresh(form);
}
