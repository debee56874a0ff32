// enduse web page: choose a supplier (or all suppliers side by side), a date over their policies' versions, and a
// place (by clicking the SVG map of the bundled borders or by name); one supplier's use goes to POST /v1/check, all
// suppliers' to POST /v1/compare. An uploaded table goes to POST /v1/audit and its verdicts are drawn and listed.
// No library, no network beyond this server.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const DAY = 86400000;
const ALL = "all";
const VERDICTS = ["ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED"];
const ZONE_COLOURS = ["#2f5d8a", "#8a3f8f", "#1e7b6f", "#b0651d", "#5a6f1f", "#7a4b2a"];
const SUPPLIER_COLOURS = ["#2f5d8a", "#b0651d", "#1e7b6f", "#8a3f8f", "#5a6f1f", "#a83255", "#3d7ea6", "#7a4b2a",
  "#4f6d7a", "#9c6b00", "#2e7d32", "#6a4c93", "#c2185b", "#00838f", "#795548", "#455a64"];
const MINOR_CITY = 250000; // smaller labelled cities show once the map is zoomed in

const state = {
  packs: [],
  bySupplier: {},
  versions: {},
  weapons: [],
  supplier: null,
  pack: null,
  zoneColour: {},
  supplierColour: {},
  zoneCache: {},
  start: 0,
  point: null,
  view: null,
  full: null,
  checkSeq: 0,
  placeSeq: 0,
  placeTimer: null,
  factValues: [],
};

// ---- small helpers ----------------------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function svgTitle(text) {
  const title = svg("title", {});
  title.textContent = text;
  return title;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

const postJSON = (url, body) => getJSON(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso) => Date.parse(`${iso}T00:00:00Z`);
const words = (name) => name.replaceAll("_", " ");
const chosenPacks = () => (state.pack ? [state.pack] : state.packs);

function inForce(pack, day) {
  let found = null;
  for (const v of state.versions[pack.name]) if (v.effective_from <= day) found = v;
  return found;
}

function changedParams() {
  const changed = {};
  if (!state.pack) return changed;
  for (const input of document.querySelectorAll("[data-param]")) {
    const initial = String(state.pack.parameters.find((p) => p.name === input.dataset.param).value);
    const value = input.value.trim();
    input.closest("label").classList.toggle("changed", value !== initial);
    if (value !== initial && value !== "") changed[input.dataset.param] = value;
  }
  return changed;
}

// The changed assumptions, each scoped to the chosen supplier's pack ("pack:name"), so no other pack changes.
function scopedParams() {
  return Object.fromEntries(Object.entries(changedParams()).map(([name, value]) => [`${state.pack.name}:${name}`, value]));
}

function zonesQuery() {
  const query = new URLSearchParams({ supplier: state.supplier, date: currentDate() });
  for (const [name, value] of Object.entries(scopedParams())) query.append("param", `${name}=${value}`);
  return query.toString();
}

// ---- projection: equirectangular, x scaled by cos(latitude of the map centre); y grows southwards ---------------

let centreLat = 50;
const project = ([lon, lat]) => [lon * Math.cos((centreLat * Math.PI) / 180), -lat];
const unproject = ([x, y]) => [x / Math.cos((centreLat * Math.PI) / 180), -y];

function ringPath(ring) {
  return ring.map((pt, i) => `${i ? "L" : "M"}${project(pt).map((v) => v.toFixed(3)).join(",")}`).join("");
}

function geometryPath(geometry) {
  const { type, coordinates } = geometry;
  if (type === "Polygon") return coordinates.map((r) => ringPath(r) + "Z").join("");
  if (type === "MultiPolygon") return coordinates.map((p) => p.map((r) => ringPath(r) + "Z").join("")).join("");
  if (type === "LineString") return ringPath(coordinates);
  if (type === "MultiLineString") return coordinates.map(ringPath).join("");
  if (type === "GeometryCollection") return geometry.geometries.map(geometryPath).join("");
  return "";
}

// ---- map --------------------------------------------------------------------------------------------------------

const map = () => document.getElementById("map");
const unit = () => state.view[2] / 100; // one hundredth of the visible width, in map units

function setView(view) {
  state.view = view;
  map().setAttribute("viewBox", view.join(" "));
  const cities = document.getElementById("layer-cities");
  cities.setAttribute("font-size", (unit() * 1.5).toFixed(4));
  cities.setAttribute("stroke-width", (unit() * 0.3).toFixed(4));
  cities.classList.toggle("zoomed", view[2] < state.full[2] * 0.6);
  for (const dot of document.querySelectorAll("#layer-cities circle, #layer-incidents circle.incident")) {
    dot.setAttribute("r", (unit() * Number(dot.dataset.size)).toFixed(4));
  }
  for (const text of cities.querySelectorAll("text")) text.setAttribute("dx", (unit() * 0.7).toFixed(4));
  drawMarker();
}

function zoom(factor) {
  const [x, y, w, h] = state.view;
  const [cx, cy] = state.point ? project([state.point.lon, state.point.lat]) : [x + w / 2, y + h / 2];
  const nw = Math.min(state.full[2], w * factor);
  const nh = Math.min(state.full[3], h * factor);
  setView([cx - nw / 2, cy - nh / 2, nw, nh]);
}

function centreOn(lon, lat) {
  const [cx, cy] = project([lon, lat]);
  const w = Math.min(state.view[2], state.full[2] / 4);
  const h = (w * state.full[3]) / state.full[2];
  setView([cx - w / 2, cy - h / 2, w, h]);
}

async function drawGeography() {
  const geo = await getJSON("/v1/geography");
  const [west, south, east, north] = geo.bbox;
  centreLat = (south + north) / 2;
  const [x0, y0] = project([west, north]);
  const [x1, y1] = project([east, south]);
  state.full = [x0, y0, x1 - x0, y1 - y0];
  const root = map();
  root.setAttribute("preserveAspectRatio", "xMidYMid meet");
  const layers = {};
  for (const name of ["countries", "zones", "regions", "border", "incidents", "cities", "marker"]) {
    layers[name] = svg("g", { id: `layer-${name}` });
    root.append(layers[name]);
  }
  for (const f of geo.features) {
    const p = f.properties;
    if (p.kind === "city") {
      const [x, y] = project(f.geometry.coordinates);
      const city = svg("g", { class: p.population < MINOR_CITY ? "city minor" : "city", "data-city": p.name });
      const label = svg("text", { x, y, dy: "0.35em" });
      label.textContent = p.name;
      city.append(svg("circle", { cx: x, cy: y, r: 0, "data-size": 0.35 }), label);
      layers.cities.append(city);
      continue;
    }
    const path = svg("path", { d: geometryPath(f.geometry) });
    if (p.kind === "country") {
      path.setAttribute("class", `country country-${p.code}`);
      layers.countries.append(path);
    } else if (p.kind === "region") {
      path.setAttribute("class", "region");
      path.append(svgTitle(p.name));
      layers.regions.append(path);
    } else {
      path.setAttribute("class", "border");
      layers.border.append(path);
    }
  }
  setView(state.full);
  root.addEventListener("click", (event) => {
    const matrix = root.getScreenCTM();
    if (!matrix) return;
    const pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    const [lon, lat] = unproject([pt.x, pt.y]);
    placePoint(Math.round(lat * 10000) / 10000, Math.round(lon * 10000) / 10000, null);
    runCheck();
  });
}

function placePoint(lat, lon, label) {
  state.point = { lat, lon, label };
  drawMarker();
  document.getElementById("point-line").textContent =
    `Use at ${label ? `${label}, ` : ""}${lat.toFixed(4)}° N, ${lon.toFixed(4)}° E.`;
}

function drawMarker() {
  const layer = document.getElementById("layer-marker");
  layer.replaceChildren();
  if (!state.point) return;
  const [x, y] = project([state.point.lon, state.point.lat]);
  layer.append(svg("circle", { cx: x, cy: y, r: unit() * 1.1, class: "marker" }));
  if (state.point.label) {
    const text = svg("text", { x, y, dx: unit() * 1.6, dy: "0.35em", "font-size": unit() * 1.8, "stroke-width": unit() * 0.35,
                               class: "marker-label" });
    text.textContent = state.point.label;
    layer.append(text);
  }
}

async function drawZones() {
  const layer = document.getElementById("layer-zones");
  const legend = document.getElementById("legend");
  const all = state.supplier === ALL;
  if (!chosenPacks().some((p) => inForce(p, currentDate()))) {
    layer.replaceChildren();
    legend.replaceChildren(el("li", {}, all ? "No supplier's policy was in force on this date." : "No version of the policy was in force on this date."));
    return;
  }
  const key = zonesQuery();
  if (!state.zoneCache[key]) state.zoneCache[key] = getJSON(`/v1/zones?${key}`);
  let zones;
  try {
    zones = await state.zoneCache[key];
  } catch (error) {
    delete state.zoneCache[key];
    legend.replaceChildren(el("li", { class: "error" }, `Zones cannot be drawn: ${error.message}`));
    return;
  }
  if (zonesQuery() !== key) return; // the supplier, the date or an assumption changed meanwhile
  layer.replaceChildren();
  legend.replaceChildren();
  const listed = new Set();
  for (const f of zones.features) {
    const p = f.properties;
    const colour = (all ? state.supplierColour[p.supplier] : state.zoneColour[p.zone]) || "#555";
    layer.append(svg("path", { d: geometryPath(f.geometry), class: `zone ${p.band}`, fill: colour, stroke: colour, "data-supplier": p.supplier }));
    const text = `${all ? `${p.supplier}: ` : ""}${p.title} — ${p.band === "inside" ? "clearly inside" : "vague band (the sources do not say)"}`;
    if (listed.has(text)) continue;
    listed.add(text);
    const assumptions = Object.entries(p.parameters || {}).map(([k, v]) => `${words(k)} = ${v}`).join(", ");
    legend.append(el("li", {},
      el("span", { class: `swatch ${p.band}`, style: `background:${colour}` }),
      el("span", {}, text, assumptions ? el("span", { class: "muted" }, ` (assumption: ${assumptions})`) : null)));
  }
  if (!zones.features.length) {
    legend.append(el("li", {}, all
      ? "No policy in force names a zone: their clauses do not depend on distance from the border."
      : "This version names no zone: its clauses do not depend on distance from the border."));
  }
}

// ---- supplier, date and versions --------------------------------------------------------------------------------

const slider = () => document.getElementById("date-slider");
const dateInput = () => document.getElementById("date-input");
const currentDate = () => dateInput().value;

function versionLine(day) {
  if (state.pack) {
    const v = inForce(state.pack, day);
    return v
      ? el("span", {}, el("strong", {}, v.title), ` — version “${v.id}”, in force from ${v.effective_from}`,
          v.effective_to ? ` to ${v.effective_to}` : "", `; confidence ${v.confidence}`,
          v.date_confidence && v.date_confidence !== "high" ? `; start date ${v.date_confidence} confidence` : "",
          v.date_note ? el("span", { class: "muted" }, ` (${v.date_note})`) : null)
      : el("span", {}, "No version of the policy was in force on this date.");
  }
  const governing = state.packs.map((p) => [p, inForce(p, day)]).filter(([, v]) => v);
  return el("span", {}, el("strong", {}, `${governing.length} of ${state.packs.length} suppliers' policies in force: `),
    governing.map(([p, v]) => `${p.supplier} “${v.id}”`).join(" · "));
}

function setDate(iso, from) {
  const clamped = Math.max(state.start, Math.min(dayMs(iso) || state.start, state.start + Number(slider().max) * DAY));
  const value = isoDay(clamped);
  if (from !== "input") dateInput().value = value;
  if (from !== "slider") slider().value = String(Math.round((clamped - state.start) / DAY));
  document.getElementById("version-line").replaceChildren(versionLine(value));
  drawZones();
}

let dateTimer = null;
function onDateChange(iso, from) {
  setDate(iso, from);
  clearTimeout(dateTimer);
  dateTimer = setTimeout(runCheck, 250);
}

// The slider spans the chosen packs' versions, from the first start to a month past the last (or today).
function setupDates() {
  const starts = chosenPacks().flatMap((p) => state.versions[p.name].map((v) => v.effective_from)).sort();
  state.start = dayMs(starts[0]);
  const end = Math.max(Date.now(), dayMs(starts.at(-1)) + 30 * DAY);
  slider().max = String(Math.floor((end - state.start) / DAY));
  dateInput().min = starts[0];
  dateInput().max = isoDay(end);
  document.getElementById("version-ticks").replaceChildren(...[...new Set(starts)].map((day) =>
    el("option", { value: String(Math.round((dayMs(day) - state.start) / DAY)), label: day })));
}

function chooseSupplier(code) {
  state.supplier = code;
  state.pack = code === ALL ? null : state.bySupplier[code];
  state.zoneColour = {};
  document.querySelector("main").classList.toggle("all", !state.pack);
  if (state.pack) state.pack.zones.forEach((z, i) => { state.zoneColour[z] = ZONE_COLOURS[i % ZONE_COLOURS.length]; });
  document.getElementById("pack-title").textContent = state.pack
    ? `Policy pack: ${state.pack.title}`
    : `All ${state.packs.length} suppliers' packs, side by side: whose weapons could be used there that day?`;
  document.getElementById("supplier-line").textContent = state.pack
    ? `Judged under the policy of ${state.pack.supplier} (${state.pack.name}).`
    : "Judged under every supplier's policy: one row per supplier (and per group of its weapons its pack tells apart).";
  setupSupplierForm();
  const previous = currentDate();
  setupDates();
  setDate(previous || state.versions[state.pack ? state.pack.name : state.packs[0].name].at(-1).effective_from);
  runCheck();
}

// ---- the use form and the answer --------------------------------------------------------------------------------

function fillSelect(id, values, chosen) {
  const select = document.getElementById(id);
  select.replaceChildren(...values.map(([value, label]) => el("option", { value }, label)));
  select.value = chosen;
}

function setupForm(vocab) {
  state.factValues = vocab.fact_values;
  fillSelect("target", vocab.targets.map((t) => [t, words(t)]), "unknown");
  fillSelect("purpose", vocab.purposes.map((p) => [p, words(p)]), "unknown");
  document.getElementById("reset-params").addEventListener("click", () => {
    for (const input of document.querySelectorAll("[data-param]")) {
      input.value = String(state.pack.parameters.find((p) => p.name === input.dataset.param).value);
    }
    onParamsChange();
  });
  document.getElementById("params").addEventListener("change", (event) => { event.stopPropagation(); onParamsChange(); });
  const form = document.getElementById("use-form");
  form.addEventListener("change", runCheck);
  form.addEventListener("submit", (event) => { event.preventDefault(); runCheck(); });
}

// The weapons, stated facts and assumptions of the chosen supplier's pack (every pack's facts for all suppliers;
// assumptions are changed one supplier at a time).
function setupSupplierForm() {
  const chosen = document.getElementById("weapon").value || "unknown";
  const offered = state.pack ? state.weapons.filter((w) => w.suppliers.includes(state.pack.supplier)) : state.weapons;
  fillSelect("weapon", [["unknown", "unknown"], ...offered.map((w) => [w.name, `${w.name} (${w.suppliers.join(", ")}, ${words(w.weapon_class)})`])],
    offered.some((w) => w.name === chosen) ? chosen : "unknown");
  const stated = Object.fromEntries([...document.querySelectorAll("[data-fact]")].map((s) => [s.dataset.fact, s.value]));
  const facts = document.getElementById("facts");
  facts.replaceChildren(el("legend", {}, "Stated facts"));
  const seen = new Set();
  for (const f of chosenPacks().flatMap((p) => p.facts)) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    const select = el("select", { id: `fact-${f.name}`, "data-fact": f.name },
      el("option", { value: "" }, "not stated (the pack's assumption applies)"),
      ...state.factValues.map((v) => el("option", { value: v }, v)));
    select.value = stated[f.name] || "";
    facts.append(el("label", {}, words(f.name), el("span", { class: "fact-help" }, f.description), select));
  }
  const params = document.getElementById("params");
  params.replaceChildren();
  document.getElementById("assumptions").hidden = !state.pack || !state.pack.parameters.length;
  for (const p of state.pack ? state.pack.parameters : []) {
    const input = p.choices
      ? el("select", { "data-param": p.name }, ...p.choices.map((c) => el("option", { value: c }, c)))
      : el("input", { type: "number", min: "0", step: "any", "data-param": p.name });
    input.value = String(p.value);
    params.append(el("label", {}, `${p.title}${p.unit ? ` (${p.unit})` : ""}`, input));
  }
}

function onParamsChange() {
  drawZones();
  runCheck();
}

function useBody() {
  const facts = {};
  for (const select of document.querySelectorAll("[data-fact]")) if (select.value) facts[select.dataset.fact] = select.value;
  return {
    date: currentDate(),
    lat: state.point.lat,
    lon: state.point.lon,
    weapon: document.getElementById("weapon").value,
    target: document.getElementById("target").value,
    purpose: document.getElementById("purpose").value,
    facts,
    params: state.pack ? scopedParams() : {},
  };
}

async function runCheck() {
  const result = document.getElementById("result");
  if (!state.point) {
    result.replaceChildren(el("p", { class: "muted" }, "Click the map or find a place by name to place the use."));
    return;
  }
  const seq = ++state.checkSeq;
  const all = state.supplier === ALL;
  result.setAttribute("aria-busy", "true");
  try {
    const answer = all ? await postJSON("/v1/compare", useBody()) : await postJSON("/v1/check", { ...useBody(), supplier: state.pack.supplier });
    if (seq === state.checkSeq) (all ? showComparison : showDecision)(answer);
  } catch (error) {
    if (seq === state.checkSeq) result.replaceChildren(el("p", { class: "error" }, `Could not check this use: ${error.message}`));
  } finally {
    if (seq === state.checkSeq) result.removeAttribute("aria-busy");
  }
}

function sourceQuote(source) {
  return el("div", {}, el("blockquote", {}, source.kind === "quote" ? `“${source.quote}”` : source.quote),
    el("cite", {}, `${source.outlet}, ${source.date}${source.kind === "summary" ? " (summary)" : ""}; confidence ${source.confidence}`));
}

const verdictBadge = (verdict, attrs) => el("span", { class: `verdict ${verdict}`, ...attrs }, words(verdict));

function showComparison(rows) {
  const where = state.point.label || `${state.point.lat.toFixed(4)}° N, ${state.point.lon.toFixed(4)}° E`;
  const suppliers = {};
  for (const r of rows) (suppliers[r.verdict] ||= new Set()).add(r.supplier);
  const table = el("table", { id: "compare-table", class: "compare" },
    el("thead", {}, el("tr", {}, ["Supplier", "Weapons", "Verdict", "Version", "Deciding clauses and first source"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", { "data-supplier": r.supplier, "data-verdict": r.verdict },
      el("td", {}, el("strong", {}, r.supplier), el("span", { class: "muted" }, ` ${r.pack || "no pack"}`)),
      el("td", {}, r.weapons.join(", ")),
      el("td", {}, verdictBadge(r.verdict, { title: r.explanation })),
      el("td", {}, r.version || "none in force", r.confidence ? el("span", { class: "muted" }, ` (${r.confidence})`) : null),
      el("td", {}, r.clauses.join(", ") || "—",
        r.missing.length ? el("div", { class: "muted" }, `would settle it: ${r.missing.map(words).join(", ")}`) : null,
        r.source ? el("div", { class: "quote", title: `“${r.source.quote}”` }, `${r.source.outlet}, ${r.source.date}`) : null)))));
  document.getElementById("result").replaceChildren(
    el("p", {}, `Every supplier's policy for this use at ${where} on ${currentDate()}:`),
    el("ul", { id: "compare-summary", class: "compare-summary" },
      VERDICTS.filter((v) => suppliers[v]).map((v) => el("li", {}, verdictBadge(v), ` ${[...suppliers[v]].join(", ")}`))),
    rows.length ? el("div", { class: "table-wrap" }, table) : el("p", { class: "muted" }, "No supplier delivered this weapon."),
    el("p", { class: "muted" }, "A supplier is listed under several verdicts when its pack judges its weapons apart."));
}

function showDecision(d) {
  const result = document.getElementById("result");
  const facts = d.facts;
  const where = [facts.region_name || facts.region, facts.country].filter(Boolean).join(", ");
  const confidence = d.confidence || d.version_confidence;
  const parts = [
    el("p", {}, verdictBadge(d.verdict, { id: "verdict" })),
    el("p", { id: "explanation" }, d.explanation),
    Object.keys(changedParams()).length
      ? el("p", { class: "what-if" }, "What-if: this verdict uses assumptions changed from the pack's (marked below).")
      : null,
    el("dl", {},
      el("dt", {}, "Version"), el("dd", {}, d.version ? `${d.version}${confidence ? ` (confidence ${confidence})` : ""}` : "none in force"),
      el("dt", {}, "Place"), el("dd", {}, `${where} — ${facts.border_distance_km} km from the RU–UA border`),
      el("dt", {}, "Zones"), el("dd", {}, facts.zones.length ? facts.zones.map(words).join(", ") : "none",
        facts.vague_zones.length ? ` (vague: ${facts.vague_zones.map(words).join(", ")})` : ""),
      el("dt", {}, "Weapon"), el("dd", {}, facts.weapon_supplier ? `supplied by ${facts.weapon_supplier}, ${words(facts.weapon_class || "")}` : "not in the catalogue / unknown")),
  ];
  if (d.clauses.length) {
    parts.push(el("h3", {}, d.verdict === "INDETERMINATE" ? "Clauses that could decide" : "Deciding clauses"));
    for (const c of d.clauses) {
      parts.push(el("div", { class: `clause ${c.effect}` },
        el("strong", {}, `${c.effect} · ${c.id}`), c.confidence ? el("span", { class: "muted" }, ` (confidence ${c.confidence})`) : null,
        ...c.sources.map(sourceQuote)));
    }
  }
  if (d.missing.length) {
    parts.push(el("h3", {}, "What would settle it"), el("ul", {}, ...d.missing.map((m) => el("li", {}, words(m)))));
  }
  const assumptions = Object.entries(d.assumptions);
  if (assumptions.length) {
    const titles = Object.fromEntries((state.pack ? state.pack.parameters : []).map((p) => [p.name, p]));
    parts.push(el("h3", {}, "Assumptions used"), el("ul", {}, ...assumptions.map(([name, value]) => {
      const p = titles[name];
      const changed = p && String(p.value) !== String(value);
      return el("li", { class: changed ? "changed" : null }, `${p ? p.title : words(name)}: `,
        el("strong", {}, `${value}${p && p.unit ? ` ${p.unit}` : ""}`), changed ? ` (pack: ${p.value})` : "");
    })));
  }
  result.replaceChildren(...parts.filter(Boolean));
}

// ---- finding a place by name --------------------------------------------------------------------------------------

const placeInput = () => document.getElementById("place-search");
const placeList = () => document.getElementById("place-results");

async function findPlaces() {
  const q = placeInput().value.trim();
  const seq = ++state.placeSeq;
  if (!q) {
    placeList().replaceChildren();
    return [];
  }
  let places;
  try {
    places = await getJSON(`/v1/places?${new URLSearchParams({ q, limit: "8" })}`);
  } catch (error) {
    if (seq === state.placeSeq) placeList().replaceChildren(el("li", { class: "error" }, error.message));
    return [];
  }
  if (seq !== state.placeSeq) return places;
  placeList().dataset.query = q;
  placeList().replaceChildren(...(places.length
    ? places.map((p) => {
      const button = el("button", { type: "button", "data-place": p.name, "data-region": p.region || p.country },
        el("strong", {}, p.name), ` ${p.region || p.country}`,
        p.population ? el("span", { class: "muted" }, ` · pop. ${p.population.toLocaleString("en")}`) : null);
      button.addEventListener("click", () => choosePlace(p));
      return el("li", { role: "option" }, button);
    })
    : [el("li", { class: "muted" }, "No place of the bundled gazetteer has a name like this; click the map instead.")]));
  return places;
}

function choosePlace(p) {
  clearTimeout(state.placeTimer);
  state.placeSeq += 1; // a search still under way must not reopen the list
  placeList().replaceChildren();
  const label = `${p.name} (${p.region || p.country})`;
  placeInput().value = label;
  placePoint(p.lat, p.lon, label);
  centreOn(p.lon, p.lat);
  runCheck();
}

function setupPlaceSearch() {
  placeInput().addEventListener("input", () => { clearTimeout(state.placeTimer); state.placeTimer = setTimeout(findPlaces, 150); });
  placeInput().addEventListener("keydown", async (event) => {
    if (event.key === "Escape") placeList().replaceChildren();
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(state.placeTimer);
    const places = await findPlaces();
    if (places.length) choosePlace(places[0]);
  });
}

// ---- auditing an uploaded table -----------------------------------------------------------------------------------

function drawIncidents(features) {
  const layer = document.getElementById("layer-incidents");
  layer.replaceChildren();
  for (const f of features) {
    if (!f.geometry) continue;
    const p = f.properties;
    const title = svgTitle(`${p.id ?? ""} ${p.date ?? ""}: ${words(p.verdict)}`.trim());
    const shape = f.geometry.type === "Point"
      ? svg("circle", { cx: project(f.geometry.coordinates)[0], cy: project(f.geometry.coordinates)[1], r: unit() * 0.8,
                        "data-size": 0.8, class: `incident ${p.verdict}` })
      : svg("path", { d: geometryPath(f.geometry), class: `incident-area ${p.verdict}` });
    shape.append(title);
    layer.append(shape);
  }
}

function whereText(p) {
  const point = p.lat != null && p.lon != null ? `${Number(p.lat).toFixed(3)}, ${Number(p.lon).toFixed(3)}` : null;
  const at = p.place || point || p.region || "—";
  return p.within_km ? `${at} ± ${p.within_km} km` : at;
}

function showAudit(name, headers, features) {
  const counts = Object.fromEntries((headers.get("x-enduse-verdicts") || "").split(",").filter(Boolean).map((kv) => kv.split("=")));
  const number = (n) => Number(n).toLocaleString("en");
  const rows = [["rows in", headers.get("x-enduse-rows-in"), "rows_in"],
    ...VERDICTS.map((v) => [words(v), counts[v] || 0, v]),
    ["rows out", headers.get("x-enduse-rows-out"), "rows_out"],
    ["rows rejected", headers.get("x-enduse-rows-rejected"), "rows_rejected"]];
  const summary = el("dl", { id: "audit-summary", class: "audit-summary" },
    rows.map(([label, n, key]) => el("div", {}, el("dt", {}, label), el("dd", { "data-count": key }, number(n)))));
  const table = el("table", { id: "audit-table", class: "compare" },
    el("thead", {}, el("tr", {}, ["Id", "Date", "Where", "Supplier", "Weapon", "Target", "Verdict", "Version", "Would settle it"]
      .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, features.map((f) => {
      const p = f.properties;
      const row = el("tr", { "data-verdict": p.verdict, class: f.geometry ? "located" : null },
        el("td", {}, p.id ?? ""), el("td", {}, p.date ?? ""), el("td", {}, whereText(p), f.geometry ? null : el("span", { class: "muted" }, " (not drawn)")),
        el("td", {}, p.supplier ?? "?"), el("td", {}, p.weapon ?? ""), el("td", {}, words(p.target ?? "")),
        el("td", {}, verdictBadge(p.verdict, { title: p.explanation ?? "" })), el("td", {}, p.version ?? "—"),
        el("td", {}, (p.missing || []).map(words).join(", ")));
      if (f.geometry) {
        row.addEventListener("click", () => {
          const [lon, lat] = f.geometry.type === "Point" ? f.geometry.coordinates : [p.resolved_lon ?? p.lon, p.resolved_lat ?? p.lat];
          if (p.date) onDateChange(p.date, null);
          if (lon != null && lat != null) centreOn(Number(lon), Number(lat));
        });
      }
      return row;
    })));
  const rejected = Number(headers.get("x-enduse-rows-rejected"));
  const parts = [
    el("h3", {}, `Audit of ${name}`), summary,
    rejected ? el("p", { class: "muted" }, `${number(rejected)} rows could not be judged (POST /v1/audit?part=rejects gives each with its reason).`) : null,
    el("p", { class: "muted" }, "On the map: a dot per located use, a circle for a radius, the outline for a region, coloured by verdict. Click a row to see its day and place."),
    el("div", { class: "table-wrap" }, table)];
  document.getElementById("audit-result").replaceChildren(...parts.filter(Boolean));
  drawIncidents(features);
}

async function runAudit(event) {
  event.preventDefault();
  const file = document.getElementById("audit-file").files[0];
  const box = document.getElementById("audit-result");
  if (!file) {
    box.replaceChildren(el("p", { class: "error" }, "Choose a table to audit first."));
    return;
  }
  const button = document.getElementById("audit-button");
  const form = new FormData();
  form.append("file", file, file.name);
  button.disabled = true;
  box.setAttribute("aria-busy", "true");
  box.replaceChildren(el("p", { class: "muted" }, `Auditing ${file.name}…`));
  try {
    const response = await fetch("/v1/audit?format=geojson", { method: "POST", body: form });
    const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    showAudit(file.name, response.headers, body.features);
  } catch (error) {
    drawIncidents([]);
    box.replaceChildren(el("p", { class: "error" }, `Could not audit ${file.name}: ${error.message}`));
  } finally {
    button.disabled = false;
    box.removeAttribute("aria-busy");
  }
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start() {
  try {
    const [packs, weapons, vocab] = await Promise.all([getJSON("/v1/packs"), getJSON("/v1/weapons"), getJSON("/v1/vocab")]);
    state.packs = packs.sort((a, b) => a.supplier.localeCompare(b.supplier));
    state.weapons = weapons;
    const versions = await Promise.all(packs.map((p) => getJSON(`/v1/versions?${new URLSearchParams({ pack: p.name })}`)));
    packs.forEach((p, i) => {
      state.bySupplier[p.supplier] = p;
      state.versions[p.name] = versions[i];
      state.supplierColour[p.supplier] = SUPPLIER_COLOURS[i % SUPPLIER_COLOURS.length];
    });
    const select = document.getElementById("supplier");
    select.replaceChildren(el("option", { value: ALL }, "All suppliers, side by side"),
      ...packs.map((p) => el("option", { value: p.supplier }, `${p.supplier} — ${p.title}`)));
    select.value = state.bySupplier.US ? "US" : packs[0].supplier;
    select.addEventListener("change", () => chooseSupplier(select.value));
    setupForm(vocab);
    await drawGeography();
    slider().addEventListener("input", () => onDateChange(isoDay(state.start + Number(slider().value) * DAY), "slider"));
    dateInput().addEventListener("change", () => onDateChange(dateInput().value, "input"));
    setupPlaceSearch();
    document.getElementById("audit-form").addEventListener("submit", runAudit);
    document.getElementById("zoom-in").addEventListener("click", () => zoom(0.5));
    document.getElementById("zoom-out").addEventListener("click", () => zoom(2));
    document.getElementById("zoom-reset").addEventListener("click", () => setView(state.full));
    chooseSupplier(select.value);
    document.body.dataset.ready = "true";
  } catch (error) {
    document.getElementById("result").replaceChildren(el("p", { class: "error" }, `The page could not load: ${error.message}`));
  }
}

document.addEventListener("DOMContentLoaded", start);
