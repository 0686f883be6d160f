/*!
 * Symptom checker chat widget: plain JavaScript, no dependencies, no build step.
 *
 *   <script src="https://GATEWAY/widget.js" defer
 *           data-gateway="https://GATEWAY" data-title="Symptom checker"
 *           data-color="#0b5cad" data-emergency-number="911" data-lang="en"></script>
 *
 * Every piece of bot and user text goes into the page with textContent or text nodes, never
 * as HTML. The session id and the rendered conversation live in sessionStorage: they survive
 * a reload of the tab, and a new tab starts its own conversation.
 */
(function () {
  "use strict";

  if (window.__symptomCheckerWidget) return;
  window.__symptomCheckerWidget = true;

  // The widget's words per language: the gateway writes them in from bot/content/widget.yml
  // (api/routes/widget.py), so every word a person reads lives with its source there.
  var STRINGS = /*WIDGET_STRINGS*/ {};

  // The triage level names, highest first: the gateway writes them in from the triage enum
  // (api/routes/widget.py), so the widget never keeps its own copy.
  var LEVELS = /*TRIAGE_LEVELS*/ [];
  var MAX_CHARS = 2000;
  var MAX_ITEMS = 300;
  var REQUEST_TIMEOUT_MS = 45000;
  var DEFAULT_COLOR = "#0b5cad";
  var uid = Math.random().toString(36).slice(2, 8);

  // ---- configuration from the <script> tag -------------------------------------------------
  var script =
    document.currentScript ||
    (function () {
      var all = document.querySelectorAll("script[src*='widget.js']");
      return all[all.length - 1];
    })();
  if (!script) return;

  function attr(name, fallback) {
    var value = script.getAttribute("data-" + name);
    return value && value.trim() ? value.trim() : fallback;
  }

  var scriptUrl = new URL(script.src, document.baseURI);
  var gateway = attr("gateway", scriptUrl.origin).replace(/\/+$/, "");
  var emergencyNumber = attr("emergency-number", "911");
  var telNumber = emergencyNumber.replace(/[^0-9+]/g, "");
  var lang = attr("lang", "en").toLowerCase();
  var T = STRINGS[lang] || STRINGS[lang.split("-")[0]] || STRINGS.en;
  var title = attr("title", T.title);
  var color = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(attr("color", "")) ? attr("color") : DEFAULT_COLOR;
  var storageKey = "symptom-checker:" + gateway;

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] !== undefined ? String(values[key]) : "";
    });
  }

  // ---- colours: keep WCAG AA whatever accent a site chooses --------------------------------
  function luminance(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  var onAccent = contrast(color, "#ffffff") >= 4.5 ? "#ffffff" : "#111111";
  if (contrast(color, onAccent) < 4.5) {
    color = DEFAULT_COLOR;
    onAccent = "#ffffff";
  }
  // Accent used as text or outline on white must reach 4.5:1 too.
  var accentInk = contrast(color, "#ffffff") >= 4.5 ? color : "#1a1a1a";

  // ---- state kept in this tab only -------------------------------------------------------------
  var memoryStore = {};
  function loadState() {
    var raw = null;
    try {
      raw = window.sessionStorage.getItem(storageKey);
    } catch (e) {
      raw = memoryStore[storageKey] || null;
    }
    try {
      var parsed = raw ? JSON.parse(raw) : null;
      if (parsed && Array.isArray(parsed.items)) return parsed;
    } catch (e) {
      /* a damaged entry starts a new conversation */
    }
    return { sessionId: null, items: [], open: false };
  }
  function saveState() {
    if (state.items.length > MAX_ITEMS) state.items = state.items.slice(-MAX_ITEMS);
    var raw = JSON.stringify(state);
    try {
      window.sessionStorage.setItem(storageKey, raw);
    } catch (e) {
      memoryStore[storageKey] = raw;
    }
  }
  var state = loadState();
  var busy = false;
  var conversation = 0; // bumped by "start over": late answers of the old one are dropped

  // ---- DOM helpers (text only) ---------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function hiddenText(text) {
    return el("span", "ssc-sr", text);
  }
  // Web addresses in bot text become links; everything else stays a text node.
  function appendText(parent, text, linkify) {
    var str = String(text);
    if (!linkify) {
      parent.appendChild(document.createTextNode(str));
      return;
    }
    var pattern = /https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(str)) !== null) {
      parent.appendChild(document.createTextNode(str.slice(last, match.index)));
      var a = el("a", "ssc-link", match[0]);
      a.href = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(str.slice(last)));
  }
  function svgIcon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "ssc-icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  // ---- build the widget ------------------------------------------------------------------------
  var root = el("div", "ssc-root");
  root.setAttribute("lang", T === STRINGS[lang] ? lang : "en");
  root.style.setProperty("--ssc-accent", color);
  root.style.setProperty("--ssc-on-accent", onAccent);
  root.style.setProperty("--ssc-accent-ink", accentInk);
  root.style.visibility = "hidden"; // until the stylesheet is in

  var launcher = el("button", "ssc-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "ssc-panel-" + uid);
  launcher.setAttribute("aria-label", T.open + title);
  launcher.appendChild(
    svgIcon("M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z")
  );
  launcher.appendChild(el("span", "ssc-launcher-text", T.launcher));

  var panel = el("section", "ssc-panel");
  panel.id = "ssc-panel-" + uid;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "ssc-title-" + uid);
  panel.hidden = true;

  var header = el("div", "ssc-header");
  var heading = el("h2", "ssc-title", title);
  heading.id = "ssc-title-" + uid;
  var restartButton = el("button", "ssc-restart", T.restart);
  restartButton.type = "button";
  var closeButton = el("button", "ssc-close");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", T.close);
  closeButton.appendChild(svgIcon("M6 6l12 12M18 6L6 18"));
  header.appendChild(heading);
  header.appendChild(restartButton);
  header.appendChild(closeButton);

  var notice = el("p", "ssc-notice");
  notice.setAttribute("role", "note");
  notice.appendChild(el("span", null, T.notice + " "));
  var noticeEmergency = el("strong", null, T.emergencyPrefix);
  var tel = el("a", "ssc-tel", emergencyNumber);
  tel.href = "tel:" + telNumber;
  noticeEmergency.appendChild(tel);
  noticeEmergency.appendChild(document.createTextNode(T.emergencySuffix));
  notice.appendChild(noticeEmergency);

  var log = el("div", "ssc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.setAttribute("aria-label", title);
  log.tabIndex = 0;

  var typing = el("div", "ssc-typing");
  typing.setAttribute("aria-hidden", "true");
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.hidden = true;

  var status = el("p", "ssc-sr");
  status.setAttribute("role", "status");

  var form = el("form", "ssc-form");
  form.setAttribute("novalidate", "");
  var input = el("input", "ssc-input");
  input.id = "ssc-input-" + uid;
  input.type = "text";
  input.autocomplete = "off";
  input.maxLength = MAX_CHARS;
  input.placeholder = T.placeholder;
  input.setAttribute("enterkeyhint", "send");
  var label = el("label", "ssc-sr", T.inputLabel);
  label.htmlFor = input.id;
  var sendButton = el("button", "ssc-send", T.send);
  sendButton.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendButton);

  panel.appendChild(header);
  panel.appendChild(notice);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ---- rendering ---------------------------------------------------------------------------------
  // A disposition card shown in this turn stays in view from its top (its heading and the call
  // button matter more than the small talk after it); otherwise follow the newest message.
  var anchor = null;
  function scrollToEnd() {
    if (anchor && anchor.parentNode === log) {
      log.scrollTop = Math.max(0, anchor.offsetTop - 8); // the log is its offsetParent
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  function renderItem(item) {
    var node;
    if (item.t === "user") {
      node = el("div", "ssc-msg ssc-msg-user");
      node.appendChild(hiddenText(T.you));
      appendText(node, item.text, false);
    } else if (item.t === "bot" || item.t === "error") {
      node = el("div", "ssc-msg ssc-msg-bot" + (item.t === "error" ? " ssc-msg-error" : ""));
      node.appendChild(hiddenText(T.bot));
      appendText(node, item.text, true);
    } else if (item.t === "triage") {
      node = renderTriage(item);
    }
    if (node) log.appendChild(node);
    return node;
  }

  function renderTriage(item) {
    var level = LEVELS.indexOf(item.level) >= 0 ? item.level : "soon";
    var card = el("div", "ssc-triage ssc-triage-" + level);
    card.setAttribute("role", level === "emergency" ? "alert" : "status");
    card.setAttribute("data-level", level);
    card.appendChild(el("p", "ssc-triage-level", fmt(T.levels[level], { n: emergencyNumber })));
    if (level === "emergency" && telNumber) {
      var call = el("a", "ssc-call", fmt(T.callNow, { n: emergencyNumber }));
      call.href = "tel:" + telNumber;
      card.appendChild(call);
    }
    if (item.advice) {
      var advice = el("p", "ssc-triage-advice");
      appendText(advice, item.advice, true);
      card.appendChild(advice);
    }
    if (item.symptoms && item.symptoms.length) {
      card.appendChild(el("p", "ssc-triage-symptoms", T.symptoms + item.symptoms.join(", ")));
    }
    card.appendChild(el("p", "ssc-triage-note", T.notDiagnosis));
    if (item.summaryUrl) {
      var summary = el("a", "ssc-summary", T.summary);
      summary.href = item.summaryUrl;
      summary.target = "_blank";
      // The link holds the summary's token: never send it on as a referrer.
      summary.rel = "noopener noreferrer";
      summary.appendChild(hiddenText(T.summaryHint));
      card.appendChild(summary);
    }
    return card;
  }

  // Quick replies belong to the last bot reply the person has not answered yet.
  function activeButtons() {
    for (var i = state.items.length - 1; i >= 0; i--) {
      var item = state.items[i];
      if (item.t === "user") return [];
      if (item.t === "bot" && item.buttons && item.buttons.length) return item.buttons;
    }
    return [];
  }

  function renderButtons() {
    removeButtons();
    var buttons = activeButtons();
    if (!buttons.length) return;
    var group = el("div", "ssc-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T.suggestions);
    buttons.forEach(function (b) {
      var button = el("button", "ssc-quick-button", b.title || b.payload);
      button.type = "button";
      button.addEventListener("click", function () {
        send(b.payload || b.title, b.title || b.payload, true);
      });
      group.appendChild(button);
    });
    log.appendChild(group);
  }

  function removeButtons() {
    var groups = log.querySelectorAll(".ssc-quick");
    for (var i = 0; i < groups.length; i++) groups[i].parentNode.removeChild(groups[i]);
  }

  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    state.items.forEach(renderItem);
    renderButtons();
    scrollToEnd();
  }

  function setOpen(open, focus) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    root.setAttribute("data-state", open ? "open" : "closed");
    if (open) {
      scrollToEnd();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  function showTyping(on) {
    typing.hidden = !on;
    status.textContent = on ? T.typing : "";
    if (on) {
      log.appendChild(typing); // keep the dots after the newest message
      scrollToEnd();
    }
  }

  // While a turn is in flight or being shown, nothing else is sent: one message at a time.
  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    showTyping(value);
  }

  function wait(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  var reducedMotion =
    window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // One message at a time: the typing dots between replies, then the reply.
  function reveal(items, generation) {
    var chain = Promise.resolve();
    items.forEach(function (item, index) {
      chain = chain
        .then(function () {
          if (index === 0 || generation !== conversation) return undefined;
          showTyping(true);
          var len = item.text ? item.text.length : 40;
          return wait(reducedMotion ? 50 : 250 + Math.min(len * 2, 450));
        })
        .then(function () {
          if (generation !== conversation) return;
          showTyping(false);
          var node = renderItem(item);
          if (item.t === "triage") anchor = node;
          scrollToEnd();
        });
    });
    return chain;
  }

  function pushItems(items) {
    items.forEach(function (item) {
      state.items.push(item);
    });
    saveState();
  }

  function squash(text) {
    return String(text || "").replace(/\s+/g, " ").trim();
  }

  function triageItem(triage) {
    return {
      t: "triage",
      level: String(triage.level || ""),
      symptoms: Array.isArray(triage.symptoms) ? triage.symptoms.map(String) : [],
      advice: String(triage.advice || ""),
      // Only a web link: nothing else from the server becomes an href.
      summaryUrl: /^https?:\/\//.test(String(triage.summary_url || ""))
        ? String(triage.summary_url)
        : ""
    };
  }

  function itemsFromResponse(ok, data, statusCode) {
    if (ok && data && Array.isArray(data.replies)) {
      var triage = data.triage && typeof data.triage === "object" ? triageItem(data.triage) : null;
      var items = data.replies
        .filter(function (r) {
          return r && (r.text || (r.buttons && r.buttons.length));
        })
        .map(function (r) {
          // The reply that carries the disposition is shown once, as the card.
          if (triage && triage.advice && squash(r.text) === squash(triage.advice)) {
            var card = triage;
            triage = null;
            return card;
          }
          return {
            t: "bot",
            text: String(r.text || ""),
            buttons: (r.buttons || []).map(function (b) {
              return { title: String(b.title || ""), payload: String(b.payload || "") };
            })
          };
        });
      if (triage) items.push(triage);
      if (items.length) return items;
    }
    var detail = data && typeof data.detail === "string" ? data.detail : null;
    if (statusCode === 0) {
      // Network error, timeout, or a site the gateway does not allow (CORS).
      return [{ t: "error", text: fmt(T.offline, { n: emergencyNumber }) }];
    }
    return [{ t: "error", text: detail || fmt(T.failed, { n: emergencyNumber }) }];
  }

  function send(message, shown, fromButton) {
    var text = String(message || "").trim();
    if (busy || !text) return;
    if (text.length > MAX_CHARS) {
      pushItems([{ t: "error", text: fmt(T.tooLong, { max: MAX_CHARS }) }]);
      renderAll();
      return;
    }
    removeButtons();
    anchor = null;
    var userItem = { t: "user", text: String(shown || text) };
    pushItems([userItem]);
    renderItem(userItem);
    if (!fromButton) input.value = "";
    input.focus();
    setBusy(true);

    var body = { message: text };
    if (state.sessionId) body.session_id = state.sessionId;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    var generation = conversation;

    fetch(gateway + "/api/v1/chat", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { ok: response.ok, status: response.status, data: data };
          });
      })
      .catch(function () {
        return { ok: false, status: 0, data: null };
      })
      .then(function (result) {
        if (timer) clearTimeout(timer);
        if (generation !== conversation) return undefined; // "start over" meanwhile
        var data = result.data;
        if (data && typeof data.session_id === "string" && /^[A-Za-z0-9_-]{8,64}$/.test(data.session_id)) {
          state.sessionId = data.session_id;
        }
        var items = itemsFromResponse(result.ok, data, result.status);
        anchor = null;
        pushItems(items);
        return reveal(items, generation);
      })
      .then(function () {
        if (generation !== conversation) return;
        setBusy(false);
        renderButtons();
        scrollToEnd();
      });
  }

  function restart() {
    conversation += 1;
    state.sessionId = null;
    state.items = [];
    busy = false;
    setBusy(false);
    saveState();
    renderAll();
    status.textContent = T.restarted;
    input.value = "";
    input.focus();
  }

  // ---- events ------------------------------------------------------------------------------------
  launcher.addEventListener("click", function () {
    setOpen(true, true);
  });
  closeButton.addEventListener("click", function () {
    setOpen(false, true);
  });
  restartButton.addEventListener("click", restart);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value, null, false);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false, true);
    }
  });

  function mount() {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("widget.css", scriptUrl).href;
    var shown = false;
    function show() {
      if (shown) return;
      shown = true;
      root.style.visibility = "";
    }
    link.addEventListener("load", show);
    link.addEventListener("error", show);
    setTimeout(show, 3000);
    document.head.appendChild(link);
    document.body.appendChild(root);
    renderAll();
    setOpen(!!state.open, false);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
