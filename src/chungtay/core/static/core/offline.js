// Chung Tay without a signal: registers the service worker, keeps what is typed in the record form
// (a reload loses nothing), queues a record made offline in IndexedDB and sends it when the connection
// returns, with its own id as the idempotency key (a retry never makes a second activity), and shows
// each queued record's state on /offline/queue/ and in the menu.
(function () {
  "use strict";
  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var DB = "chungtay-offline";
  var STORE = "records";

  // --- the service worker ----------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // the pages a recorder needs offline, fetched once a session (signed out: all kept pages forgotten)
      var keep = body.getAttribute("data-offline-pages");
      var flag = "chungtay-kept:" + user;
      var kept = false;
      try { kept = sessionStorage.getItem(flag) === "1"; sessionStorage.setItem(flag, "1"); } catch (e) { kept = false; }
      var message = !user ? { type: "forget" } : keep && !kept ? { type: "keep", urls: keep.split(" ").filter(Boolean) } : null;
      if (message && registration.active) registration.active.postMessage(message);
    }).catch(function () { /* no worker: the pages still work online */ });
  }

  // --- the queue (IndexedDB) --------------------------------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = action(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function all() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return items.filter(function (item) { return item.user === user; })
        .sort(function (a, b) { return a.recordedAt < b.recordedAt ? -1 : 1; });
    });
  }
  function put(item) { return withStore("readwrite", function (store) { store.put(item); }); }
  function remove(id) { return withStore("readwrite", function (store) { store.delete(id); }); }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function enqueue(form) {
    var data = new FormData(form);
    var item = {
      id: newId(), user: user, action: form.getAttribute("action") || location.pathname + location.search,
      fields: [], files: [], title: String(data.get("title") || ""), day: String(data.get("day") || ""),
      recordedAt: new Date().toISOString(), state: "waiting", message: "", url: "",
    };
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "_idempotency_key") return;
      if (typeof value === "string") item.fields.push([name, value]);
      else if (value && value.size) item.files.push([name, value, value.name]);
    });
    return put(item).then(function () { return item; });
  }

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }
  function device() {
    var ua = navigator.userAgent;
    var system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
    var browser = /Edg\//.test(ua) ? "Edge" : /Chrom/.test(ua) ? "Chrome" : /Firefox/.test(ua) ? "Firefox" : /Safari/.test(ua) ? "Safari" : "";
    return (system + " " + browser).trim() || "?";
  }

  // one record sent: its state afterwards (waiting again when the answer was lost)
  function send(item) {
    var data = new FormData();
    item.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    item.files.forEach(function (triple) { data.append(triple[0], triple[1], triple[2]); });
    data.append("_idempotency_key", item.id);
    return fetch(item.action, {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
      headers: {
        "X-CSRFToken": cookie("csrftoken"), "Idempotency-Key": item.id, "Accept": "application/json",
        "X-Chungtay-Queue": item.recordedAt, "X-Chungtay-Device": device(),
      },
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        item.state = "signin"; return item;
      }
      return response.json().then(function (answer) {
        if (response.status === 201 || (response.ok && answer.url)) {
          item.state = "sent"; item.url = answer.url; item.message = "";
        } else if ((response.status === 409 && answer.code === "conflict") || response.status === 429 || response.status >= 500) {
          item.state = "waiting";  // being saved by another try, too many requests, a server fault: later
        } else if (answer.code === "duplicate") {
          item.state = "conflict"; item.message = answer.message; item.url = (answer.duplicates || [])[0] || "";
        } else {
          item.state = "refused"; item.message = answer.message || String(response.status);
        }
        return item;
      }, function () {
        // not the form's answer (a proxy's page, a refused CSRF check): a client error is final
        var final = response.status >= 400 && response.status < 500 && response.status !== 409 && response.status !== 429;
        item.state = final ? "refused" : "waiting";
        if (final) item.message = response.status + " " + response.statusText;
        return item;
      });
    }, function () {
      item.state = "waiting";  // no signal, or the answer was lost: the same id is sent again later
      return item;
    }).then(function (done) { return put(done).then(function () { return done; }); });
  }

  var flushing = null;
  function flush() {
    if (!user || flushing) return flushing || Promise.resolve();
    flushing = all().then(function (items) {
      var waiting = items.filter(function (item) { return item.state === "waiting" || item.state === "signin"; });
      return waiting.reduce(function (chain, item) {
        return chain.then(function () { return navigator.onLine === false ? item : send(item); });
      }, Promise.resolve());
    }).catch(function () {}).then(function () { flushing = null; return render(); });
    return flushing;
  }

  // --- what the user sees ----------------------------------------------------------------------
  var badge = document.querySelector("[data-queue-badge]");
  var list = document.querySelector("[data-queue-list]");
  function text(key) { return (list || badge || body).getAttribute("data-text-" + key) || key; }
  function render() {
    return all().then(function (items) {
      var open = items.filter(function (item) { return item.state !== "sent"; });
      if (badge) {
        badge.hidden = open.length === 0;
        var count = badge.querySelector("[data-queue-count]");
        if (count) count.textContent = String(open.length);
      }
      if (!list) return;
      list.textContent = "";
      var empty = document.querySelector("[data-queue-empty]");
      if (empty) empty.hidden = items.length > 0;
      items.slice().reverse().forEach(function (item) {
        var row = document.createElement("li");
        row.className = "list-group-item d-flex flex-wrap gap-2 align-items-center";
        row.setAttribute("data-testid", "queued");
        row.setAttribute("data-state", item.state);
        var title = document.createElement("span");
        title.className = "flex-grow-1";
        title.textContent = item.title + (item.day ? " · " + item.day : "");
        var state = document.createElement("span");
        state.className = "badge " + ({ sent: "text-bg-success", refused: "text-bg-danger", conflict: "text-bg-warning" }[item.state] || "text-bg-secondary");
        state.textContent = text(item.state);
        row.appendChild(title);
        row.appendChild(state);
        if (item.url) {
          var link = document.createElement("a");
          link.href = item.url; link.textContent = text("open");
          row.appendChild(link);
        }
        if (item.message) {
          var why = document.createElement("div");
          why.className = "w-100 small text-danger"; why.textContent = item.message;
          row.appendChild(why);
        }
        function button(label, action) {
          var b = document.createElement("button");
          b.type = "button"; b.className = "btn btn-sm btn-outline-secondary"; b.textContent = label;
          b.addEventListener("click", action);
          row.appendChild(b);
        }
        if (item.state === "conflict") {
          button(text("send-anyway"), function () {
            item.fields.push(["save_anyway", "on"]); item.state = "waiting"; item.message = "";
            put(item).then(flush);
          });
        }
        if (item.state !== "sent" && item.state !== "waiting") {
          button(text("remove"), function () { remove(item.id).then(render); });
        }
        if (item.state === "sent") {
          button(text("clear"), function () { remove(item.id).then(render); });
        }
        list.appendChild(row);
      });
    }).catch(function () {});
  }

  // --- the record form: drafts kept, queued when there is no signal -----------------------------
  var form = document.querySelector("[data-offline-form]");
  if (form) {
    var key = "chungtay-draft:" + user + ":" + location.pathname + location.search;
    var note = form.querySelector("[data-offline-note]");
    var saved = form.querySelector("[data-queued-note]");
    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
      });
    }
    function keepDraft() {
      var draft = {};
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked) (draft[el.name] = draft[el.name] || []).push(el.value);
        } else draft[el.name] = [el.value];
      });
      try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* full: the form still works */ }
    }
    function restoreDraft() {
      var raw = null;
      try { raw = localStorage.getItem(key); } catch (e) { raw = null; }
      if (!raw || form.getAttribute("data-bound") === "true") return;  // a re-shown form has the posted values
      var draft = JSON.parse(raw);
      fields().forEach(function (el) {
        var values = draft[el.name];
        if (el.type === "checkbox" || el.type === "radio") el.checked = Boolean(values && values.indexOf(el.value) !== -1);
        else if (values) el.value = values[0];
      });
      form.dispatchEvent(new Event("change", { bubbles: true }));
      var restored = form.querySelector("[data-draft-note]");
      if (restored) restored.hidden = false;
    }
    function dropDraft() { try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ } }
    restoreDraft();
    form.addEventListener("input", keepDraft);
    form.addEventListener("change", keepDraft);
    function showSignal() { if (note) note.hidden = navigator.onLine !== false; }
    window.addEventListener("online", showSignal);
    window.addEventListener("offline", showSignal);
    showSignal();
    form.addEventListener("submit", function (event) {
      if (navigator.onLine !== false) {
        try { sessionStorage.setItem("chungtay-sent-draft", key); } catch (e) { /* ignore */ }
        return;  // online: the page's own submit, its answer shown as usual
      }
      event.preventDefault();
      if (!form.querySelector("[name=title]").value.trim()) { form.querySelector("[name=title]").focus(); return; }
      enqueue(form).then(function (item) {
        form.reset();
        form.dispatchEvent(new Event("change", { bubbles: true }));  // the counts and sections follow
        dropDraft();  // after the change above, which keeps a draft of the emptied form
        if (saved) {
          saved.hidden = false;
          saved.querySelector("[data-queued-title]").textContent = item.title;
          window.scrollTo(0, 0);
        }
        render();
      });
    });
  }
  // the page after an online submit: the record was saved (a re-shown form keeps its draft)
  try {
    var sent = sessionStorage.getItem("chungtay-sent-draft");
    if (sent && !document.querySelector("[data-offline-form]")) {
      localStorage.removeItem(sent);
      sessionStorage.removeItem("chungtay-sent-draft");
    }
  } catch (e) { /* no storage: nothing kept */ }

  window.addEventListener("online", flush);
  if (user) {
    render();
    flush();
    setInterval(flush, 15000);
  }
  // for the fault test and the queue page's own button
  window.chungtayQueue = { enqueue: enqueue, flush: flush, all: all };
  var now = document.querySelector("[data-queue-send]");
  if (now) now.addEventListener("click", flush);
})();
