/* Kiosk: one tap to rate, optional questions, thanks, then back to the start by itself.
   Answers wait in localStorage until the server has them, so a dropped network loses nothing;
   each carries its submission id, so a resend never stores a response twice. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  var form = document.getElementById("kiosk-form");
  if (!root || !form || !window.fetch || !window.localStorage) return;
  document.documentElement.classList.add("js");
  var endpoint = root.getAttribute("data-endpoint");
  var lang = root.getAttribute("data-lang");
  // The thanks screen lasts at least the minimum interval, so honest use never trips the kiosk_interval flag.
  var resetMs = 1000 * Math.max(Number(root.getAttribute("data-reset") || 6),
                                Number(root.getAttribute("data-min-interval") || 0));
  var idleMs = 1000 * Number(root.getAttribute("data-idle") || 45);
  var queueKey = "kiosk-queue:" + root.getAttribute("data-counter");
  var thanks = document.getElementById("kiosk-thanks");
  var status = document.getElementById("kiosk-queue");
  var first = form.querySelector("fieldset.q");
  var idleTimer = null, sending = false;

  function uuid4() {
    var b = new Uint8Array(16), h = "", i;
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    for (i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch (e) { return []; }
  }
  function save(queue) {
    localStorage.setItem(queueKey, JSON.stringify(queue));
    status.textContent = queue.length ? (lang === "en" ? "Waiting to send: " : "Đang chờ gửi: ") + queue.length : "";
  }
  function answered() {
    return first && first.querySelector("input:checked");
  }
  function collect() {
    var data = { submission_id: form.elements.submission_id.value, answered_at: new Date().toISOString(), lang: lang, answers: {} };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "submission_id") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") data.answers[el.name] = el.value;
    });
    return data;
  }
  function reset() {
    form.reset();
    form.elements.submission_id.value = uuid4();
    root.classList.remove("answered");
    thanks.hidden = true;
    if (history.replaceState) history.replaceState(null, "", location.pathname + location.search);
    window.scrollTo(0, 0);
  }
  function flush() {
    if (sending) return;
    var queue = load();
    if (!queue.length) return;
    sending = true;
    // A request that hangs (a captive Wi-Fi, a half-open connection) must not hold up the queue for good.
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 15000) : null;
    fetch(endpoint, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-Kiosk": "1" },
      body: JSON.stringify(queue[0]),
      signal: abort ? abort.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      sending = false;
      // 2xx: stored (or stored before); 4xx other than 429: the server will never take it.
      if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429)) {
        var rest = load().filter(function (item) { return item.submission_id !== queue[0].submission_id; });
        save(rest);
        if (rest.length) flush();
      }
    }).catch(function () { clearTimeout(timer); sending = false; });
  }
  function send() {
    clearTimeout(idleTimer);
    if (!answered()) return;
    var queue = load();
    queue.push(collect());
    save(queue);
    thanks.hidden = false;
    setTimeout(reset, resetMs);
    flush();
  }
  function touched() {
    clearTimeout(idleTimer);
    // A citizen who tapped a face and walked away still gave an answer: send it.
    idleTimer = setTimeout(function () { if (answered()) send(); else reset(); }, idleMs);
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  form.addEventListener("change", function (event) {
    if (first && first.contains(event.target)) root.classList.add("answered");
    touched();
  });
  form.addEventListener("input", touched);
  window.addEventListener("online", flush);
  window.addEventListener("pageshow", function (event) { if (event.persisted) reset(); });
  setInterval(flush, 10000);
  save(load());
  flush();
})();
