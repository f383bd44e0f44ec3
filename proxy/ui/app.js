// The memoaized page: a client of the proxy's public API, like the OpenAI SDK is. It sends the
// key typed into it (kept in sessionStorage) and reads what each answer says about the cache
// from its headers: X-Cache, X-Cache-Match, X-Cache-Similarity and X-Cache-Saved-*.

const KEY_STORAGE = "memoaized.api-key";
const GALLERY_SIZE = 12;

const $ = (id) => document.getElementById(id);

const totals = { energyWh: 0, seconds: 0, usd: 0, requests: 0, fromCache: 0 };
let galleryOrder = "recent";

// ---- talking to the API ---------------------------------------------------------------------

class ApiError extends Error {}

/** fetch() with the key, turning every failure into an ApiError whose message reads well. */
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  let response;
  try {
    response = await fetch(path, { ...options, headers });
  } catch (error) {
    throw new ApiError(`Cannot reach the proxy (${error.message}). Is it still running?`);
  }
  if (!response.ok) throw await apiError(response);
  return response;
}

/** OpenAI's error body, {"error": {"message", "type", "param", "code"}}, as one sentence. */
async function apiError(response) {
  const text = await response.text();
  let error = null;
  try {
    error = JSON.parse(text).error;
  } catch {
    // not JSON: shown as text below
  }
  const status = `${response.status} ${response.statusText}`.trim();
  if (!error || !error.message) {
    return new ApiError(`${status}: ${text.trim().slice(0, 300) || "the proxy gave no details"}`);
  }
  const details = [];
  if (error.code) details.push(`code ${error.code}`);
  if (error.param) details.push(`parameter ${error.param}`);
  const retry = response.headers.get("Retry-After");
  if (retry) details.push(`try again in ${retry} s`);
  const suffix = details.length ? ` (${details.join(", ")})` : "";
  return new ApiError(`${status}: ${error.message}${suffix}`);
}

function showError(error) {
  const box = $("error");
  box.textContent = error.message;
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

// ---- numbers ----------------------------------------------------------------------------------

function formatWh(wh) {
  if (wh === 0) return "0 Wh";
  return `${wh >= 10 ? wh.toFixed(1) : wh.toFixed(wh >= 1 ? 2 : 3)} Wh`;
}

function formatSeconds(seconds) {
  if (seconds === 0) return "0 s";
  return seconds >= 1 ? `${seconds.toFixed(2)} s` : `${Math.round(seconds * 1000)} ms`;
}

function formatUsd(usd) {
  return `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`;
}

function headerNumber(headers, name) {
  const value = parseFloat(headers.get(name));
  return Number.isFinite(value) ? value : 0;
}

// ---- the key and the models ----------------------------------------------------------------------

async function loadModels() {
  const response = await api("/v1/models");
  const models = (await response.json()).data;
  const select = $("model");
  const chosen = select.value;
  select.replaceChildren(
    ...models.map((model) => {
      // An alias (OpenAI's names on a local backend) says which model makes its images.
      const aliasOf = (model.memoaized || {}).alias_of;
      const label = aliasOf ? `${model.id} (${aliasOf})` : model.id;
      return new Option(label, model.id, false, model.id === chosen);
    }),
  );
  const note = models.length ? models[0].memoaized || {} : {};
  const notice = $("notice");
  notice.hidden = !note.notice;
  showWithCode(notice, note.notice || "");
  const dial = $("threshold");
  if (note.min_threshold !== undefined && !dial.dataset.fromServer) {
    // The dial spans what this proxy accepts, and starts at its own threshold.
    dial.min = note.min_threshold;
    dial.value = note.threshold;
    dial.dataset.fromServer = "true";
    showThreshold();
  }
}

/** ``text`` in ``element``, its `backticked` parts as code: the proxy's notices name options. */
function showWithCode(element, text) {
  element.replaceChildren(
    ...text.split("`").map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement("code");
      code.textContent = part;
      return code;
    }),
  );
}

async function useKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  $("key-status").textContent = key ? "Using the key you entered." : "No key: enough only where this proxy requires none.";
  clearError();
  try {
    await loadModels();
    await loadGallery();
  } catch (error) {
    showError(error);
  }
}

function showThreshold() {
  $("threshold-value").textContent = Number($("threshold").value).toFixed(2);
}

// ---- generating ---------------------------------------------------------------------------------

/** What the X-Cache headers say happened, as [kind, label]. */
function outcomeOf(headers) {
  const cache = headers.get("X-Cache");
  const match = headers.get("X-Cache-Match");
  if (cache === "HIT") return match === "exact" ? ["exact", "Exact hit"] : ["semantic", "Semantic hit"];
  if (cache === "PARTIAL") return ["partial", "Partly from the cache"];
  if (cache === "REFRESH") return ["fresh", "Fresh generation (cache skipped, image stored)"];
  if (cache === "BYPASS") return ["fresh", "Fresh generation (cache skipped)"];
  if (match === "warm") return ["warm", "Warm start: a miss, generated from a cached image"];
  return ["miss", "Miss: generated"];
}

function requestBody(prompt) {
  const body = {
    prompt,
    n: Number($("n").value) || 1,
    response_format: "url",
    cache: { threshold: Number($("threshold").value) },
  };
  if ($("model").value) body.model = $("model").value;
  if ($("size").value) body.size = $("size").value;
  if ($("fresh").checked) body.cache.mode = "no-cache";
  return body;
}

async function generate(event) {
  event.preventDefault();
  const prompt = $("prompt").value.trim();
  if (!prompt) return;
  clearError();
  const button = $("generate");
  const progress = $("progress");
  button.disabled = true;
  progress.hidden = false;
  $("generate-form").setAttribute("aria-busy", "true");
  const started = performance.now();
  const ticker = setInterval(() => {
    $("elapsed").textContent = ((performance.now() - started) / 1000).toFixed(1);
  }, 100);
  try {
    const response = await api("/v1/images/generations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(requestBody(prompt)),
    });
    const answer = await response.json();
    showResult(prompt, answer, response.headers, (performance.now() - started) / 1000);
    loadGallery().catch(showError);
  } catch (error) {
    showError(error);
  } finally {
    clearInterval(ticker);
    $("elapsed").textContent = "0.0";
    progress.hidden = true;
    button.disabled = false;
    $("generate-form").removeAttribute("aria-busy");
  }
}

function fact(list, term, value) {
  const row = document.createElement("div");
  const dt = document.createElement("dt");
  const dd = document.createElement("dd");
  dt.textContent = term;
  dd.textContent = value;
  row.append(dt, dd);
  list.append(row);
  return dd;
}

function showResult(prompt, answer, headers, seconds) {
  const [kind, label] = outcomeOf(headers);
  const saved = {
    energyWh: headerNumber(headers, "X-Cache-Saved-Energy-Wh"),
    seconds: headerNumber(headers, "X-Cache-Saved-Seconds"),
    usd: headerNumber(headers, "X-Cache-Saved-USD"),
  };
  const item = document.createElement("li");
  item.className = `result ${kind}`;
  item.dataset.outcome = kind;

  const images = document.createElement("div");
  images.className = "images";
  for (const image of answer.data) {
    const img = document.createElement("img");
    img.src = image.url;
    img.alt = `Image for: ${image.revised_prompt || prompt}`;
    images.append(img);
  }

  const badge = document.createElement("p");
  badge.className = "outcome";
  badge.textContent = label;

  const facts = document.createElement("dl");
  facts.className = "facts";
  fact(facts, "Asked", prompt);
  const madeFor = answer.data.map((image) => image.revised_prompt).find(Boolean);
  fact(facts, "Image made for", madeFor || prompt).className = "made-for";
  const similarity = headers.get("X-Cache-Similarity");
  if (similarity) fact(facts, "Similarity", Number(similarity).toFixed(4)).className = "similarity";
  fact(facts, "Time taken", formatSeconds(seconds)).className = "time";
  fact(facts, "Saved", `${formatWh(saved.energyWh)}, ${formatSeconds(saved.seconds)}, ${formatUsd(saved.usd)}`)
    .className = "saved";

  item.append(images, badge, facts);
  $("results").prepend(item);
  $("results-empty").hidden = true;

  totals.energyWh += saved.energyWh;
  totals.seconds += saved.seconds;
  totals.usd += saved.usd;
  totals.requests += 1;
  if (kind === "exact" || kind === "semantic" || kind === "partial") totals.fromCache += 1;
  showTotals();
}

function showTotals() {
  $("total-energy").textContent = formatWh(totals.energyWh);
  $("total-time").textContent = formatSeconds(totals.seconds);
  $("total-money").textContent = formatUsd(totals.usd);
  const cached = totals.fromCache ? `${totals.fromCache} from the cache` : "none from the cache";
  $("total-requests").textContent = `${totals.requests}, ${cached}`;
}

// ---- the gallery --------------------------------------------------------------------------------

async function loadGallery() {
  const query = $("gallery-query").value.trim();
  const params = new URLSearchParams({ limit: String(GALLERY_SIZE) });
  if (query) params.set("q", query);
  else params.set("order", galleryOrder);
  const status = $("gallery-status");
  status.textContent = "Loading…";
  let entries;
  try {
    entries = (await (await api(`/v1/cache/entries?${params}`)).json()).data;
  } catch (error) {
    status.textContent = "";
    throw error;
  }
  const cards = entries.map((entry) => {
    const card = document.createElement("li");
    card.className = "entry";
    const img = document.createElement("img");
    img.src = entry.url;
    img.alt = entry.prompt;
    // Twelve thumbnails load at once, none lazily: a tile below the fold is not left grey.
    // Its size before it loads keeps its place and shape.
    const [width, height] = (entry.size || "").split("x").map(Number);
    if (width > 0 && height > 0) {
      img.width = width;
      img.height = height;
    }
    const caption = document.createElement("p");
    caption.className = "entry-prompt";
    caption.textContent = entry.prompt;
    const meta = document.createElement("p");
    meta.className = "hint";
    const parts = [`${entry.hits} ${entry.hits === 1 ? "hit" : "hits"}`, entry.size, entry.model];
    if (entry.similarity !== undefined) parts.unshift(`similarity ${entry.similarity.toFixed(4)}`);
    meta.textContent = parts.join(" · ");
    card.append(img, caption, meta);
    return card;
  });
  $("gallery").replaceChildren(...cards);
  // The order buttons say which order is shown: none while search results are.
  for (const button of document.querySelectorAll("button.order")) {
    button.setAttribute("aria-pressed", String(!query && button.dataset.order === galleryOrder));
  }
  if (!entries.length) status.textContent = "Nothing cached that this key may see.";
  else if (query) status.textContent = `Nearest in meaning to “${query}”.`;
  else status.textContent = galleryOrder === "hits" ? "Most reused first." : "Most recent first.";
}

function orderGallery(event) {
  galleryOrder = event.currentTarget.dataset.order;
  $("gallery-query").value = "";
  clearError();
  loadGallery().catch(showError);
}

// ---- wiring -------------------------------------------------------------------------------------

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  useKey($("api-key").value.trim());
});
$("forget-key").addEventListener("click", () => {
  $("api-key").value = "";
  useKey("");
});
$("generate-form").addEventListener("submit", generate);
$("threshold").addEventListener("input", showThreshold);
$("gallery-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  loadGallery().catch(showError);
});
for (const button of document.querySelectorAll("button.order")) {
  button.addEventListener("click", orderGallery);
}

$("api-key").value = sessionStorage.getItem(KEY_STORAGE) || "";
useKey($("api-key").value);
