// tocsin dashboard: reads the JSON API of the server that served this page, nothing else.
"use strict";

const API = "/api/v1";
const QUADS = [
  { key: "verbal_cooperation", name: "Verbal cooperation", color: "#7fbf7b" },
  { key: "material_cooperation", name: "Material cooperation", color: "#1b7837" },
  { key: "verbal_conflict", name: "Verbal conflict", color: "#f4a582" },
  { key: "material_conflict", name: "Material conflict", color: "#b2182b" },
];
// Bars as wide as most of their period, so a month looks like a month whatever the gaps.
const BAR_DAYS = { day: 0.8, week: 5.5, month: 24, year: 300 };
const QUAD_NAMES = { 1: "Verbal cooperation", 2: "Material cooperation", 3: "Verbal conflict", 4: "Material conflict" };
const PLOT_CONFIG = { responsive: true, displaylogo: false, topojsonURL: "/static/", modeBarButtonsToRemove: ["toImage", "sendDataToCloud"] };

const state = { filter: {}, period: null, cursor: null, listQuery: null, seen: null, alertsSeen: null };
// The dashboard stays live: it asks the server this often whether the store changed.
const POLL_MS = 5000;

// ---------- small helpers ----------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJSON(path, params) {
  const query = params ? "?" + new URLSearchParams(clean(params)).toString() : "";
  const response = await fetch(API + path + query, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

async function postJSON(path, payload) {
  const response = await fetch(API + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function clean(params) {
  const out = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") out[key] = value;
  }
  return out;
}

function show(node, message, kind) {
  node.textContent = message;
  node.classList.toggle("error", kind === "error");
}

function actorLabel(code, name) {
  if (!code && !name) return "—";
  return name && name !== code ? `${name} (${code || "?"})` : code;
}

// A sentence with the source, trigger and target words wrapped in <mark>s.
function highlighted(text, marks) {
  const out = document.createDocumentFragment();
  let at = 0;
  for (const mark of [...(marks || [])].sort((a, b) => a.start - b.start)) {
    if (mark.start < at || mark.end > text.length) continue;
    out.append(text.slice(at, mark.start));
    out.append(el("mark", { class: mark.kind, title: mark.title || mark.kind }, text.slice(mark.start, mark.end)));
    at = mark.end;
  }
  out.append(text.slice(at));
  return out;
}

function periodEnd(start, freq) {
  const day = new Date(start + "T00:00:00Z");
  if (freq === "week") day.setUTCDate(day.getUTCDate() + 6);
  else if (freq === "month") day.setUTCMonth(day.getUTCMonth() + 1, 0);
  else if (freq === "year") day.setUTCFullYear(day.getUTCFullYear(), 11, 31);
  return day.toISOString().slice(0, 10);
}

function nextPeriod(start, freq) {
  const day = new Date(periodEnd(start, freq) + "T00:00:00Z");
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

// The Goldstein line: a period with no events has no mean, so the line breaks there (a null
// point) instead of drawing a trend across years nothing was coded in.
function withGaps(series, freq) {
  const x = [];
  const y = [];
  series.forEach((row, i) => {
    const expected = i > 0 ? nextPeriod(series[i - 1].period, freq) : row.period;
    if (expected !== row.period) {
      x.push(expected);
      y.push(null);
    }
    x.push(row.period);
    y.push(row.goldstein_mean);
  });
  return { x, y };
}

// ---------- filters ----------

function readFilter() {
  const actor = document.getElementById("actor").value.trim();
  const partner = document.getElementById("partner").value.trim();
  const filter = {
    since: document.getElementById("since").value,
    until: document.getElementById("until").value,
    freq: document.getElementById("freq").value,
  };
  if (actor && partner) filter.dyad = `${actor},${partner}`.toUpperCase();
  else if (actor || partner) filter.actor = actor || partner;
  return clean(filter);
}

function writeFilter(filter) {
  const [first, second] = (filter.dyad || "").split(",");
  document.getElementById("actor").value = filter.dyad ? first : filter.actor || "";
  document.getElementById("partner").value = filter.dyad ? second : "";
  document.getElementById("since").value = filter.since || "";
  document.getElementById("until").value = filter.until || "";
  document.getElementById("freq").value = filter.freq || "month";
}

function eventParams(filter) {
  const { freq, ...rest } = filter;
  return rest;
}

function describe(filter) {
  const who = filter.dyad ? `between ${filter.dyad.replace(",", " and ")}` : filter.actor ? `involving ${filter.actor}` : "in the store";
  const when = filter.since || filter.until ? ` from ${filter.since || "the start"} to ${filter.until || "the end"}` : "";
  return `Events ${who}${when}, per ${filter.freq || "month"}.`;
}

async function apply(chosen, { push = true } = {}) {
  const filter = clean(chosen);
  state.filter = filter;
  state.period = null;
  writeFilter(filter);
  if (push) history.replaceState(null, "", "?" + new URLSearchParams(filter).toString() + location.hash);
  show(document.getElementById("selection"), describe(filter));
  await Promise.all([drawSeries(), listEvents(eventParams(filter), "All events for this selection"), drawMap(), drawNetwork()]);
}

// ---------- chart over time ----------

async function drawSeries() {
  const chart = document.getElementById("chart");
  const { series, freq } = await getJSON("/series", state.filter);
  const periods = series.map((row) => row.period);
  const bars = QUADS.map((quad) => ({
    type: "bar",
    name: quad.name,
    x: periods,
    y: series.map((row) => row[quad.key]),
    marker: { color: quad.color },
    width: periods.map(() => BAR_DAYS[freq] * 86400000),
    hovertemplate: `%{x}<br>${quad.name}: %{y}<extra></extra>`,
  }));
  const goldstein = {
    type: "scatter",
    mode: "lines+markers",
    name: "Mean Goldstein",
    ...withGaps(series, freq),
    connectgaps: false,
    yaxis: "y2",
    line: { color: "#2b3a55", width: 2 },
    marker: { size: 8, color: "#2b3a55" },
    hovertemplate: "%{x}<br>Mean Goldstein: %{y}<extra></extra>",
  };
  const layout = {
    barmode: "stack",
    margin: { t: 10, r: 50, b: 40, l: 45 },
    height: 340,
    legend: { orientation: "h", y: -0.18 },
    xaxis: { type: periods.length ? "date" : "-", title: { text: "" } },
    yaxis: { title: { text: "events" }, rangemode: "tozero" },
    yaxis2: { title: { text: "mean Goldstein" }, overlaying: "y", side: "right", range: [-10.5, 10.5], tickvals: [-10, -5, 0, 5, 10], zeroline: true, zerolinecolor: "#9aa3ad", showgrid: false },
    hovermode: "closest",
  };
  await Plotly.react(chart, [...bars, goldstein], layout, PLOT_CONFIG);
  if (!chart.dataset.bound) {
    chart.on("plotly_click", (click) => {
      const point = click.points && click.points[0];
      if (point) choosePeriod(String(point.x).slice(0, 10));
    });
    chart.dataset.bound = "1";
  }
  chart.dataset.points = String(series.length);
  drawPeriodButtons(series, freq);
}

function drawPeriodButtons(series, freq) {
  const box = document.getElementById("periods");
  box.replaceChildren(
    ...series.map((row) =>
      el("button", {
        type: "button",
        class: "period",
        "data-period": row.period,
        "aria-pressed": String(state.period === row.period),
        title: `${row.events} events, mean Goldstein ${row.goldstein_mean}`,
        onclick: () => choosePeriod(row.period),
      }, `${row.period.slice(0, freq === "year" ? 4 : freq === "month" ? 7 : 10)} · ${row.events}`),
    ),
  );
  if (!series.length) box.append(el("p", { class: "note" }, "No dated events for this selection."));
}

async function choosePeriod(start) {
  state.period = start;
  const until = periodEnd(start, state.filter.freq || "month");
  for (const button of document.querySelectorAll("#periods .period")) {
    button.setAttribute("aria-pressed", String(button.dataset.period === start));
  }
  const params = { ...eventParams(state.filter), since: start, until };
  await listEvents(params, `Events from ${start} to ${until}`);
  document.getElementById("events-title").scrollIntoView({ block: "nearest" });
}

// ---------- event list and evidence ----------

async function listEvents(params, title, { more = false } = {}) {
  const list = document.getElementById("events");
  const note = document.getElementById("events-note");
  const moreButton = document.getElementById("more");
  if (!more) {
    state.listQuery = { params, title };
    list.replaceChildren();
  }
  const page = await getJSON("/events", { ...params, evidence: true, limit: 25, cursor: more ? state.cursor : null });
  for (const event of page.events) list.append(eventItem(event));
  state.cursor = page.next_cursor;
  moreButton.hidden = !page.next_cursor;
  const count = list.children.length;
  show(note, count ? `${title}: ${count}${page.next_cursor ? "+" : ""} shown, latest stored first.` : `${title}: none.`);
}

function codeLine(event) {
  return el("span", { class: `code quad-${event.quad_class}` },
    el("strong", {}, event.cameo), " ", event.cameo_name || "", event.plover_type ? el("span", { class: "plover" }, ` · ${event.plover_type}`) : null);
}

function eventItem(event) {
  const evidence = event.evidence;
  const who = `${actorLabel(event.source_code, event.source_name)} → ${actorLabel(event.target_code, event.target_name)}`;
  const facts = [
    event.location_name ? `in ${event.location_name}${event.location_country ? ", " + event.location_country : ""}` : null,
    evidence && evidence.attributed_to ? `according to ${evidence.attributed_to}` : null,
    evidence && evidence.modality && evidence.modality !== "asserted" ? evidence.modality : null,
    evidence && evidence.disputed ? "disputed" : null,
    `${event.num_mentions} mention${event.num_mentions === 1 ? "" : "s"}`,
    evidence && evidence.rule ? `rule ${evidence.rule}` : null,
  ].filter(Boolean);
  return el("li", { class: "event", "data-event-id": event.event_id },
    el("button", { type: "button", class: "event-open", "aria-controls": "detail", onclick: () => openEvent(event.event_id) },
      el("span", { class: "date" }, event.date || "undated"), " ", codeLine(event), el("span", { class: "who" }, who)),
    evidence ? el("p", { class: "evidence" }, highlighted(evidence.sentence, evidence.marks)) : el("p", { class: "evidence" }, event.sentence || ""),
    el("p", { class: "facts" }, facts.join(" · ")),
  );
}

async function openEvent(eventId) {
  const detail = document.getElementById("detail");
  for (const item of document.querySelectorAll("#events .event")) {
    item.classList.toggle("chosen", item.dataset.eventId === String(eventId));
  }
  const event = await getJSON(`/events/${eventId}`);
  const rows = [
    ["Event", `${event.cameo} — ${event.cameo_name || ""}`],
    ["PLOVER", [event.plover_type, event.plover_mode, event.plover_context].filter(Boolean).join(" / ") || "—"],
    ["Quad class", QUAD_NAMES[event.quad_class] || String(event.quad_class)],
    ["Goldstein", String(event.goldstein)],
    ["Source", actorLabel(event.source_code, event.source_name)],
    ["Target", actorLabel(event.target_code, event.target_name)],
    ["Date", event.date || "undated"],
    ["Place", event.location_name ? `${event.location_name}${event.location_country ? ", " + event.location_country : ""}${event.latitude !== null ? ` (${event.latitude}, ${event.longitude})` : ""}` : "—"],
    ["Reports", `${event.num_mentions} mentions in ${event.num_articles} articles`],
  ];
  detail.replaceChildren(
    el("h3", { id: "detail-title" }, `Event ${event.event_id}`),
    el("dl", { class: "facts-table" }, rows.map(([key, value]) => [el("dt", {}, key), el("dd", {}, value)])),
    el("h4", {}, "Evidence"),
    el("ol", { class: "mentions" }, event.mentions.map(mentionItem)),
  );
  detail.focus();
}

function mentionItem(mention) {
  const facts = [
    mention.title ? `“${mention.title}”` : null,
    mention.published ? String(mention.published).slice(0, 10) : null,
    mention.attributed_to ? `according to ${mention.attributed_to}` : null,
    mention.modality && mention.modality !== "asserted" ? mention.modality : null,
    mention.disputed ? `disputed by ${mention.disputed_by || "another party"}` : null,
    mention.rule ? `rule ${mention.rule}` : null,
    mention.date_basis ? `date from ${mention.date_basis}` : null,
    mention.location_basis ? `place from ${mention.location_basis}` : null,
  ].filter(Boolean);
  return el("li", { class: "mention" },
    el("p", { class: "evidence" }, highlighted(mention.sentence, mention.marks)),
    el("p", { class: "facts" }, facts.join(" · ")),
  );
}

// ---------- map ----------

async function drawMap() {
  const box = document.getElementById("map");
  const { places } = await getJSON("/places", eventParams(state.filter));
  const biggest = Math.max(1, ...places.map((p) => p.events));
  const trace = {
    type: "scattergeo",
    lat: places.map((p) => p.latitude),
    lon: places.map((p) => p.longitude),
    text: places.map((p) => `${p.name}${p.country ? ", " + p.country : ""}: ${p.events} events (${p.cooperation} cooperation, ${p.conflict} conflict)`),
    customdata: places.map((p) => p.country),
    hoverinfo: "text",
    marker: {
      size: places.map((p) => 8 + 22 * Math.sqrt(p.events / biggest)),
      color: places.map((p) => p.goldstein_mean),
      cmin: -10,
      cmax: 10,
      colorscale: [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#1b7837"]],
      line: { color: "#333", width: 0.6 },
      colorbar: { title: { text: "Goldstein" }, thickness: 10, len: 0.6 },
      opacity: 0.9,
    },
  };
  const layout = {
    height: 420,
    margin: { t: 0, r: 0, b: 0, l: 0 },
    geo: {
      projection: { type: "natural earth" },
      showland: true,
      landcolor: "#eceae4",
      showcountries: true,
      countrycolor: "#b9b5aa",
      showcoastlines: true,
      coastlinecolor: "#9a968c",
      showocean: true,
      oceancolor: "#f3f7fb",
      showframe: false,
      fitbounds: places.length ? "locations" : false,
    },
  };
  await Plotly.react(box, [trace], layout, PLOT_CONFIG);
  if (!box.dataset.bound) {
    box.on("plotly_click", (click) => {
      const point = click.points && click.points[0];
      if (point && point.customdata) chooseCountry(point.customdata);
    });
    box.dataset.bound = "1";
  }
  box.dataset.points = String(places.length);
  const chips = document.getElementById("places");
  chips.replaceChildren(
    ...places.slice(0, 12).filter((p) => p.country).map((p) =>
      el("button", { type: "button", class: "chip", onclick: () => chooseCountry(p.country) }, `${p.name} · ${p.events}`)),
  );
}

async function chooseCountry(country) {
  await listEvents({ ...eventParams(state.filter), location: country }, `Events located in ${country}`);
  document.getElementById("events-title").scrollIntoView({ block: "nearest" });
}

// ---------- network ----------

async function drawNetwork() {
  const box = document.getElementById("network");
  const { edges } = await getJSON("/network", { ...eventParams(state.filter), top: 25 });
  const names = [...new Set(edges.flatMap((e) => [e.source, e.target]))];
  const position = new Map(names.map((name, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, names.length) - Math.PI / 2;
    return [name, [Math.cos(angle), Math.sin(angle)]];
  }));
  const heaviest = Math.max(1, ...edges.map((e) => e.events));
  const arrows = edges.map((e) => {
    const [x0, y0, x1, y1] = sideBySide(position.get(e.source), position.get(e.target));
    return {
      x: x1, y: y1, ax: x0, ay: y0, xref: "x", yref: "y", axref: "x", ayref: "y",
      showarrow: true, arrowhead: 2, arrowsize: 1, standoff: 14, startstandoff: 12,
      arrowwidth: 1 + 6 * (e.events / heaviest),
      arrowcolor: e.cooperation >= e.conflict ? "rgba(27,120,55,0.7)" : "rgba(178,24,43,0.7)",
      text: "",
    };
  });
  const middles = {
    type: "scatter", mode: "markers", hoverinfo: "text", showlegend: false,
    x: edges.map((e) => (position.get(e.source)[0] + position.get(e.target)[0]) / 2),
    y: edges.map((e) => (position.get(e.source)[1] + position.get(e.target)[1]) / 2),
    text: edges.map((e) => `${e.source} → ${e.target}: ${e.events} events (${e.cooperation} cooperation, ${e.conflict} conflict), mean Goldstein ${e.goldstein_mean}`),
    customdata: edges.map((e) => `${e.source},${e.target}`),
    marker: { size: 9, color: "rgba(0,0,0,0.05)" },
  };
  const nodes = {
    type: "scatter", mode: "markers+text", hoverinfo: "text", showlegend: false,
    x: names.map((n) => position.get(n)[0]),
    y: names.map((n) => position.get(n)[1]),
    text: names, textposition: "top center",
    marker: { size: 16, color: "#2b3a55", line: { color: "#fff", width: 2 } },
  };
  const axis = { visible: false, range: [-1.35, 1.35], fixedrange: true };
  const layout = { height: 460, margin: { t: 10, r: 10, b: 10, l: 10 }, xaxis: axis, yaxis: { ...axis, scaleanchor: "x" }, annotations: arrows, hovermode: "closest" };
  await Plotly.react(box, [middles, nodes], layout, PLOT_CONFIG);
  if (!box.dataset.bound) {
    box.on("plotly_click", (click) => {
      const point = click.points && click.points[0];
      if (!point) return;
      if (point.curveNumber === 0) chooseDyad(point.customdata);
      else apply({ ...state.filter, actor: point.text, dyad: undefined });
    });
    box.dataset.bound = "1";
  }
  const chips = document.getElementById("edges");
  chips.replaceChildren(
    ...edges.slice(0, 12).map((e) =>
      el("button", { type: "button", class: `chip ${e.cooperation >= e.conflict ? "coop" : "conf"}`, onclick: () => chooseDyad(`${e.source},${e.target}`) },
        `${e.source} → ${e.target} · ${e.events}`)),
  );
}

// A→B and B→A drawn as two parallel arrows, each shifted to its own right.
function sideBySide([x0, y0], [x1, y1]) {
  const length = Math.hypot(x1 - x0, y1 - y0) || 1;
  const [dx, dy] = [(y1 - y0) / length * 0.035, -(x1 - x0) / length * 0.035];
  return [x0 + dx, y0 + dy, x1 + dx, y1 + dy];
}

// Two countries make a dyad; an actor with no country (an IGO, a rebel group) is charted
// alone, with the pair's events listed.
async function chooseDyad(pair) {
  const { actor, dyad, ...rest } = state.filter;
  const [source, target] = pair.split(",");
  if (/^[A-Z]{3}$/.test(source) && /^[A-Z]{3}$/.test(target)) {
    await apply({ ...rest, dyad: pair });
  } else {
    await apply({ ...rest, actor: source });
    await listEvents({ ...eventParams(state.filter), actor: null, source, target }, `Events from ${source} to ${target}`);
  }
  document.getElementById("explore").scrollIntoView({ block: "start" });
}

// ---------- code a story ----------

async function codeStory(submit) {
  submit.preventDefault();
  const note = document.getElementById("code-note");
  const out = document.getElementById("coded");
  const text = document.getElementById("story").value;
  const published = document.getElementById("published").value;
  show(note, "Coding…");
  out.replaceChildren();
  try {
    const coded = await postJSON("/code", clean({ text, published }));
    renderCoded(coded, out);
    show(note, `${coded.events.length} event${coded.events.length === 1 ? "" : "s"}, ${coded.places.length} place${coded.places.length === 1 ? "" : "s"}, ${coded.quotes.length} quote${coded.quotes.length === 1 ? "" : "s"}.`);
  } catch (error) {
    show(note, `Could not code this story: ${error.message}`, "error");
  }
}

function storyMarks(coded) {
  const marks = [];
  coded.events.forEach((event, i) => {
    const label = `event ${i + 1}: ${event.cameo} ${event.cameo_name || ""}`;
    marks.push({ kind: "trigger", ...event.trigger.span, title: label });
    if (event.source) marks.push({ kind: "source", ...event.source.span, title: `source of ${label}: ${event.source.code}` });
    if (event.target) marks.push({ kind: "target", ...event.target.span, title: `target of ${label}: ${event.target.code}` });
  });
  for (const place of coded.places) {
    if (place.span) marks.push({ kind: "place", ...place.span, title: `place: ${place.name}, ${place.country || "?"}` });
  }
  const kept = [];
  for (const mark of marks.sort((a, b) => a.start - b.start || b.end - a.end)) {
    if (!kept.some((k) => mark.start < k.end && k.start < mark.end)) kept.push(mark);
  }
  return kept;
}

function renderCoded(coded, out) {
  const legend = el("p", { class: "legend" },
    el("mark", { class: "source" }, "source"), " ", el("mark", { class: "trigger" }, "trigger"), " ",
    el("mark", { class: "target" }, "target"), " ", el("mark", { class: "place" }, "place"));
  const text = el("div", { class: "story-text" }, highlighted(coded.text, storyMarks(coded)));
  const events = el("ol", { class: "events coded-events" }, coded.events.map((event) => {
    const place = event.location ? `in ${event.location.name}${event.location.country ? ", " + event.location.country : ""}` : null;
    const facts = [event.date ? event.date : "undated", place, event.attributed_to ? `according to ${event.attributed_to.text}` : null,
      event.modality !== "asserted" ? event.modality : null, event.disputed ? "disputed" : null, `rule ${event.rule}`].filter(Boolean);
    return el("li", { class: "event" },
      el("p", {}, codeLine({ ...event, plover_type: event.plover.type }), el("span", { class: "who" },
        `${event.source ? event.source.code + " (" + event.source.text + ")" : "—"} → ${event.target ? event.target.code + " (" + event.target.text + ")" : "—"}`)),
      el("p", { class: "facts" }, facts.join(" · ")));
  }));
  out.replaceChildren(
    coded.title ? el("h3", {}, coded.title) : "",
    legend, text,
    el("h3", {}, "Events"),
    coded.events.length ? events : el("p", { class: "note" }, "No events found in this text."),
  );
}

// ---------- escalation alerts ----------

const MEASURES = { conflict: "conflict score", material_share: "share of material conflict" };

async function loadAlerts() {
  const { alerts } = await getJSON("/alerts", { limit: 50 });
  const newest = alerts.length ? alerts[0].alert_id : 0;
  if (state.alertsSeen === null) state.alertsSeen = newest;
  const list = document.getElementById("alerts");
  list.replaceChildren(...alerts.map((alert) => alertItem(alert, alert.alert_id > state.alertsSeen)));
  const fresh = alerts.filter((a) => a.alert_id > state.alertsSeen).length;
  show(document.getElementById("alerts-note"), alerts.length
    ? `${alerts.length} alert${alerts.length === 1 ? "" : "s"}${fresh ? `, ${fresh} new since this page opened` : ""}. Choose one to list its events.`
    : "No escalation so far.");
}

function alertItem(alert, fresh) {
  const value = alert.measure === "material_share"
    ? `${Math.round(alert.value * 100)}% against ${Math.round(alert.baseline_mean * 100)}% before`
    : `${alert.value} against ${alert.baseline_mean} ± ${alert.baseline_spread} before`;
  return el("li", { class: `alert${fresh ? " new" : ""}`, "data-alert-id": alert.alert_id },
    el("button", { type: "button", class: "alert-open", onclick: () => openAlert(alert) },
      fresh ? el("span", { class: "badge" }, "new") : null,
      el("strong", {}, alert.unit.replace("-", " – ")),
      ` · ${alert.freq} of ${alert.period_start} · ${MEASURES[alert.measure] || alert.measure} ${value} · ${alert.events} event${alert.events === 1 ? "" : "s"}`));
}

async function openAlert(alert) {
  const who = alert.kind === "dyad" ? { dyad: alert.unit.replace("-", ",") } : { actor: alert.unit };
  await apply({ ...who, since: alert.period_start, until: alert.period_end, freq: "day" });
  document.getElementById("events-title").scrollIntoView({ block: "nearest" });
}

// Ask whether the store changed; when it did, draw what is new without a reload.
async function poll() {
  try {
    const health = await getJSON("/health");
    const seen = `${health.events}/${health.alerts}/${health.updated}`;
    if (state.seen !== null && seen !== state.seen) {
      await Promise.all([loadTotals(), loadAlerts()]);
      // a period the analyst chose stays on screen; otherwise the selection is drawn again
      if (!state.period) await apply(state.filter, { push: false });
    }
    state.seen = seen;
    const stamp = document.getElementById("updated");
    stamp.textContent = `Last updated ${new Date().toLocaleTimeString()}`;
    stamp.dataset.updated = health.updated;
  } catch (error) {
    show(document.getElementById("updated"), `Not updated: ${error.message}`, "error");
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

// ---------- start ----------

async function loadTotals() {
  const health = await getJSON("/health");
  const { actors } = await getJSON("/actors", { top: 60 });
  document.getElementById("totals").textContent = `${health.events.toLocaleString()} events in the store · tocsin ${health.version}`;
  document.getElementById("actor-list").replaceChildren(...actors.map((a) => el("option", { value: a.code }, `${a.events} events`)));
}

function fail(error) {
  const note = document.getElementById("selection");
  show(note, `Something went wrong: ${error.message}`, "error");
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("filters").addEventListener("submit", (submit) => {
    submit.preventDefault();
    apply(readFilter()).catch(fail);
  });
  document.getElementById("reset").addEventListener("click", () => apply({ freq: state.filter.freq || "month" }).catch(fail));
  document.getElementById("more").addEventListener("click", () => {
    const { params, title } = state.listQuery;
    listEvents(params, title, { more: true }).catch(fail);
  });
  document.getElementById("code-form").addEventListener("submit", codeStory);
  const start = Object.fromEntries(new URLSearchParams(location.search));
  const filter = clean({ actor: start.actor, dyad: start.dyad, since: start.since, until: start.until, freq: start.freq || "month" });
  Promise.all([loadTotals(), loadAlerts(), apply(filter, { push: false })])
    .then(() => document.body.setAttribute("data-ready", "1"))
    .catch(fail)
    .finally(poll);
});
