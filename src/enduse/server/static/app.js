// enduse web page: a date slider over the pack's versions, an SVG map of the bundled borders with the zones in
// force, and a form that sends one use to POST /v1/check. No library, no network beyond this server.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const DAY = 86400000;
const ZONE_COLOURS = ["#2f5d8a", "#8a3f8f", "#1e7b6f", "#b0651d", "#5a6f1f", "#7a4b2a"];

const state = {
  pack: null,
  versions: [],
  zoneColour: {},
  zoneCache: {},
  start: 0,
  point: null,
  view: null,
  full: null,
  checkSeq: 0,
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

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function changedParams() {
  const changed = {};
  for (const input of document.querySelectorAll("[data-param]")) {
    const initial = String(state.pack.parameters.find((p) => p.name === input.dataset.param).value);
    const value = input.value.trim();
    input.closest("label").classList.toggle("changed", value !== initial);
    if (value !== initial && value !== "") changed[input.dataset.param] = value;
  }
  return changed;
}

function zonesQuery(versionId) {
  const query = new URLSearchParams({ date: versionId, pack: state.pack.name });
  for (const [name, value] of Object.entries(changedParams())) query.append("param", `${name}=${value}`);
  return query.toString();
}

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso) => Date.parse(`${iso}T00:00:00Z`);
const words = (name) => name.replaceAll("_", " ");

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

function setView(view) {
  state.view = view;
  map().setAttribute("viewBox", view.join(" "));
  if (state.point) placePoint(state.point.lat, state.point.lon);
}

function zoom(factor) {
  const [x, y, w, h] = state.view;
  const [cx, cy] = state.point ? project([state.point.lon, state.point.lat]) : [x + w / 2, y + h / 2];
  const nw = Math.min(state.full[2], w * factor);
  const nh = Math.min(state.full[3], h * factor);
  setView([cx - nw / 2, cy - nh / 2, nw, nh]);
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
  setView(state.full);
  const layers = {};
  for (const name of ["countries", "zones", "regions", "border", "marker"]) {
    layers[name] = svg("g", { id: `layer-${name}` });
    root.append(layers[name]);
  }
  for (const f of geo.features) {
    const p = f.properties;
    const path = svg("path", { d: geometryPath(f.geometry) });
    if (p.kind === "country") {
      path.setAttribute("class", `country country-${p.code}`);
      layers.countries.append(path);
    } else if (p.kind === "region") {
      path.setAttribute("class", "region");
      const title = svg("title", {});
      title.textContent = p.name;
      path.append(title);
      layers.regions.append(path);
    } else {
      path.setAttribute("class", "border");
      layers.border.append(path);
    }
  }
  root.addEventListener("click", (event) => {
    const matrix = root.getScreenCTM();
    if (!matrix) return;
    const pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    const [lon, lat] = unproject([pt.x, pt.y]);
    placePoint(Math.round(lat * 10000) / 10000, Math.round(lon * 10000) / 10000);
    runCheck();
  });
}

function placePoint(lat, lon) {
  state.point = { lat, lon };
  const layer = document.getElementById("layer-marker");
  layer.replaceChildren();
  const [x, y] = project([lon, lat]);
  const size = state.view[2] / 90;
  layer.append(svg("circle", { cx: x, cy: y, r: size, class: "marker" }));
  document.getElementById("point-line").textContent = `Use at ${lat.toFixed(4)}° N, ${lon.toFixed(4)}° E.`;
}

async function drawZones(versionId) {
  const layer = document.getElementById("layer-zones");
  const legend = document.getElementById("legend");
  if (!versionId) {
    layer.replaceChildren();
    legend.replaceChildren(el("li", {}, "No version of the policy was in force on this date."));
    return;
  }
  const key = zonesQuery(versionId);
  if (!state.zoneCache[key]) state.zoneCache[key] = getJSON(`/v1/zones?${key}`);
  let zones;
  try {
    zones = await state.zoneCache[key];
  } catch (error) {
    delete state.zoneCache[key];
    legend.replaceChildren(el("li", { class: "error" }, `Zones cannot be drawn: ${error.message}`));
    return;
  }
  if (currentVersion()?.id !== versionId || zonesQuery(versionId) !== key) return; // the date or an assumption changed meanwhile
  layer.replaceChildren();
  legend.replaceChildren();
  for (const f of zones.features) {
    const p = f.properties;
    const colour = state.zoneColour[p.zone] || "#555";
    const path = svg("path", { d: geometryPath(f.geometry), class: `zone ${p.band}`, fill: colour, stroke: colour });
    layer.append(path);
    const assumptions = Object.entries(p.parameters || {}).map(([k, v]) => `${words(k)} = ${v}`).join(", ");
    legend.append(el("li", {},
      el("span", { class: `swatch ${p.band}`, style: `background:${colour}` }),
      el("span", {}, `${p.title} — ${p.band === "inside" ? "clearly inside" : "vague band (the sources do not say)"}`,
        assumptions ? el("span", { class: "muted" }, ` (assumption: ${assumptions})`) : null)));
  }
  if (!zones.features.length) legend.append(el("li", {}, "This version names no zone: its clauses do not depend on distance from the border."));
}

// ---- date and versions ------------------------------------------------------------------------------------------

const slider = () => document.getElementById("date-slider");
const dateInput = () => document.getElementById("date-input");
const currentDate = () => dateInput().value;

function currentVersion() {
  const day = currentDate();
  let found = null;
  for (const v of state.versions) if (v.effective_from <= day) found = v;
  return found;
}

function setDate(iso, from) {
  const clamped = Math.max(state.start, Math.min(dayMs(iso) || state.start, state.start + Number(slider().max) * DAY));
  const value = isoDay(clamped);
  if (from !== "input") dateInput().value = value;
  if (from !== "slider") slider().value = String(Math.round((clamped - state.start) / DAY));
  const v = currentVersion();
  const line = document.getElementById("version-line");
  line.replaceChildren(v
    ? el("span", {}, el("strong", {}, v.title), ` — version “${v.id}”, in force from ${v.effective_from}`,
        v.effective_to ? ` to ${v.effective_to}` : "", `; confidence ${v.confidence}`,
        v.date_confidence && v.date_confidence !== "high" ? `; start date ${v.date_confidence} confidence` : "",
        v.date_note ? el("span", { class: "muted" }, ` (${v.date_note})`) : null)
    : el("span", {}, "No version of the policy was in force on this date."));
  drawZones(v ? v.id : null);
}

let dateTimer = null;
function onDateChange(iso, from) {
  setDate(iso, from);
  clearTimeout(dateTimer);
  dateTimer = setTimeout(runCheck, 250);
}

function setupDates() {
  const first = state.versions[0].effective_from;
  state.start = dayMs(first);
  const end = Math.max(Date.now(), dayMs(state.versions.at(-1).effective_from) + 30 * DAY);
  slider().max = String(Math.floor((end - state.start) / DAY));
  dateInput().min = first;
  dateInput().max = isoDay(end);
  const ticks = document.getElementById("version-ticks");
  for (const v of state.versions) ticks.append(el("option", { value: String(Math.round((dayMs(v.effective_from) - state.start) / DAY)), label: v.id }));
  slider().addEventListener("input", () => onDateChange(isoDay(state.start + Number(slider().value) * DAY), "slider"));
  dateInput().addEventListener("change", () => onDateChange(dateInput().value, "input"));
  setDate(state.versions.at(-1).effective_from);
}

// ---- the use form and the verdict -------------------------------------------------------------------------------

function fillSelect(id, values, chosen) {
  const select = document.getElementById(id);
  select.replaceChildren(...values.map(([value, label]) => el("option", { value }, label)));
  select.value = chosen;
}

function setupForm(weapons, vocab) {
  fillSelect("weapon", [["unknown", "unknown"], ...weapons.map((w) => [w.name, `${w.name} (${w.supplier}, ${words(w.weapon_class)})`])], "unknown");
  fillSelect("target", vocab.targets.map((t) => [t, words(t)]), "unknown");
  fillSelect("purpose", vocab.purposes.map((p) => [p, words(p)]), "unknown");
  const facts = document.getElementById("facts");
  for (const f of state.pack.facts) {
    const select = el("select", { id: `fact-${f.name}`, "data-fact": f.name },
      el("option", { value: "" }, "not stated (the pack's assumption applies)"),
      ...vocab.fact_values.map((v) => el("option", { value: v }, v)));
    facts.append(el("label", {}, words(f.name), el("span", { class: "fact-help" }, f.description), select));
  }
  const params = document.getElementById("params");
  for (const p of state.pack.parameters) {
    const input = p.choices
      ? el("select", { "data-param": p.name }, ...p.choices.map((c) => el("option", { value: c }, c)))
      : el("input", { type: "number", min: "0", step: "any", "data-param": p.name });
    input.value = String(p.value);
    params.append(el("label", {}, `${p.title}${p.unit ? ` (${p.unit})` : ""}`, input));
  }
  document.getElementById("reset-params").addEventListener("click", () => {
    for (const input of document.querySelectorAll("[data-param]")) {
      input.value = String(state.pack.parameters.find((p) => p.name === input.dataset.param).value);
    }
    onParamsChange();
  });
  params.addEventListener("change", (event) => { event.stopPropagation(); onParamsChange(); });
  const form = document.getElementById("use-form");
  form.addEventListener("change", runCheck);
  form.addEventListener("submit", (event) => { event.preventDefault(); runCheck(); });
}

function onParamsChange() {
  const v = currentVersion();
  drawZones(v ? v.id : null);
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
    params: changedParams(),
    pack: state.pack.name,
  };
}

async function runCheck() {
  const result = document.getElementById("result");
  if (!state.point) {
    result.replaceChildren(el("p", { class: "muted" }, "Click the map to place the use."));
    return;
  }
  const seq = ++state.checkSeq;
  result.setAttribute("aria-busy", "true");
  try {
    const decision = await getJSON("/v1/check", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(useBody()),
    });
    if (seq === state.checkSeq) showDecision(decision);
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

function showDecision(d) {
  const result = document.getElementById("result");
  const facts = d.facts;
  const where = [facts.region_name || facts.region, facts.country].filter(Boolean).join(", ");
  const confidence = d.confidence || d.version_confidence;
  const parts = [
    el("p", {}, el("span", { class: `verdict ${d.verdict}`, id: "verdict" }, d.verdict.replace("_", " "))),
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
    const titles = Object.fromEntries(state.pack.parameters.map((p) => [p.name, p]));
    parts.push(el("h3", {}, "Assumptions used"), el("ul", {}, ...assumptions.map(([name, value]) => {
      const p = titles[name];
      const changed = p && String(p.value) !== String(value);
      return el("li", { class: changed ? "changed" : null }, `${p ? p.title : words(name)}: `,
        el("strong", {}, `${value}${p && p.unit ? ` ${p.unit}` : ""}`), changed ? ` (pack: ${p.value})` : "");
    })));
  }
  result.replaceChildren(...parts.filter(Boolean));
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start() {
  try {
    const [packs, weapons, vocab] = await Promise.all([getJSON("/v1/packs"), getJSON("/v1/weapons"), getJSON("/v1/vocab")]);
    state.pack = packs.find((p) => p.name === "us-ukraine") || packs[0];
    document.getElementById("pack-title").textContent = `Policy pack: ${state.pack.title}`;
    state.pack.zones.forEach((z, i) => { state.zoneColour[z] = ZONE_COLOURS[i % ZONE_COLOURS.length]; });
    state.versions = await getJSON(`/v1/versions?pack=${state.pack.name}`);
    setupForm(weapons, vocab);
    await drawGeography();
    setupDates();
    document.getElementById("zoom-in").addEventListener("click", () => zoom(0.5));
    document.getElementById("zoom-out").addEventListener("click", () => zoom(2));
    document.getElementById("zoom-reset").addEventListener("click", () => setView(state.full));
    document.body.dataset.ready = "true";
  } catch (error) {
    document.getElementById("result").replaceChildren(el("p", { class: "error" }, `The page could not load: ${error.message}`));
  }
}

document.addEventListener("DOMContentLoaded", start);
