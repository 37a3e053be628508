// The polling-day board refreshes itself: every `data-refresh` seconds it fetches the board's JSON and updates the
// figures, the SVG chart (whose coordinates the server computes) and the tables. Text only, never HTML.
const root = document.getElementById("board");

function setText(name, value) {
  for (const el of root.parentElement.querySelectorAll(`[data-bind="${name}"]`)) el.textContent = value;
}

const fmt = new Intl.NumberFormat("en-GB");

function cell(tag, text, cls) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

function barCell(percent) {
  const td = cell("td", null, "bar-cell");
  const bar = cell("div", null, "bar");
  bar.style.width = `${Math.max(0, Math.min(100, percent))}%`;
  td.append(bar);
  return td;
}

function fill(tbodyId, rows, build, emptyText, columns) {
  const body = document.getElementById(tbodyId);
  if (!body) return;
  const fresh = rows.map(build);
  if (!fresh.length) {
    const tr = document.createElement("tr");
    const td = cell("td", emptyText);
    td.colSpan = columns;
    tr.append(td);
    fresh.push(tr);
  }
  body.replaceChildren(...fresh);
}

function render(data) {
  for (const key of ["as_of_time", "percent", "rounds_completed", "rounds_open", "lifts_outstanding",
    "lifts_needed", "lifts_arranged"]) setText(key, data[key]);
  for (const key of ["promises_voted", "promises", "postal_voted", "postal_promises", "numbers_taken", "electors"]) {
    setText(key, fmt.format(data[key]));
  }
  setText("projection_headline", data.projection_text.headline);
  setText("projection_label", data.projection_text.label);

  const chart = document.getElementById("board-chart");
  if (chart) {
    for (const name of ["voted", "projected", "band"]) {
      chart.querySelector(`[data-chart="${name}"]`).setAttribute("points", data.chart[name]);
    }
    const now = chart.querySelector('[data-chart="now"]');
    const x = data.chart.now_x === null ? -10 : data.chart.now_x;
    now.setAttribute("x1", x);
    now.setAttribute("x2", x);
  }

  const roomBoard = data.committee_room !== null;
  fill("board-districts", data.districts, (d) => {
    const tr = document.createElement("tr");
    tr.append(
      cell("th", d.polling_district),
      cell("td", (roomBoard ? d.station : d.committee_room) || "—", "hide-sm"),
      barCell(d.percent),
      cell("td", `${fmt.format(d.promises_voted)} / ${fmt.format(d.promises)} (${d.percent}%)`, "num-cell"),
      cell("td", d.target === null ? "—" : d.target, "num-cell"),
      cell("td", fmt.format(d.numbers_taken), "num-cell hide-sm"),
    );
    tr.firstChild.scope = "row";
    return tr;
  }, "No polling districts yet.", 6);

  fill("board-stations", data.stations, (s) => {
    const tr = document.createElement("tr");
    tr.append(
      cell("th", s.name),
      cell("td", s.polling_districts.join(", "), "hide-sm"),
      cell("td", fmt.format(s.entries), "num-cell"),
      cell("td", fmt.format(s.unknown), "num-cell"),
      cell("td", s.last_entry_time || "none yet", "num-cell"),
    );
    tr.firstChild.scope = "row";
    return tr;
  }, "No polling stations set up.", 5);

  const roomsBody = document.getElementById("board-rooms");
  if (roomsBody) {
    // Room names link to their boards: keep the server's links, keyed by room id.
    const links = new Map([...roomsBody.querySelectorAll("a[href]")].map((a) => [a.textContent, a.getAttribute("href")]));
    fill("board-rooms", data.rooms, (r) => {
      const tr = document.createElement("tr");
      const th = cell("th");
      th.scope = "row";
      const href = links.get(r.name);
      const name = href ? cell("a", r.name) : cell("span", r.name);
      if (href) name.href = href;
      th.append(name, document.createElement("br"), cell("small", r.polling_districts.join(", ")));
      tr.append(
        th,
        barCell(r.percent),
        cell("td", `${fmt.format(r.promises_voted)} / ${fmt.format(r.promises)} (${r.percent}%)`, "num-cell"),
        cell("td", `${r.rounds_completed} (${r.rounds_open})`, "num-cell"),
        cell("td", r.lifts_outstanding, "num-cell"),
      );
      return tr;
    }, "No committee rooms set up.", 5);
  }
}

async function refresh() {
  const state = document.getElementById("board-refresh-state");
  try {
    const response = await fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    state.textContent = "";
    state.classList.remove("stale");
  } catch (error) {
    state.textContent = `(could not refresh: ${error.message}; showing the last figures)`;
    state.classList.add("stale");
  }
}

if (root) {
  const seconds = Math.max(30, Math.min(60, Number(root.dataset.refresh) || 45));
  setInterval(refresh, seconds * 1000);
}
