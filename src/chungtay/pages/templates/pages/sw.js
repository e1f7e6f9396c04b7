// Chung Tay's service worker (served from /sw.js by chungtay.pages.offline). Version {{ version }}.
"use strict";
const STATIC = "chungtay-static-{{ version }}";
const PAGES = "chungtay-pages";
const PRECACHE = [{% for url in precache %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const QUEUE_PAGE = "{{ queue_url|escapejs }}";
// the pages kept for use without a signal, as they are visited
const OFFLINE_PAGES = [/^\/$/, /^\/activities\/new\/$/, /^\/partnerships\/$/, /^\/partnerships\/\d+\/$/, /^\/offline\/queue\/$/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("chungtay-static-") && k !== STATIC).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// offline.js asks to keep the pages a signed-in recorder needs, or to forget them all (signed out)
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  } else if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(PAGES).then((cache) => Promise.all(data.urls.map((url) =>
      fetch(url, { credentials: "same-origin" }).then((response) => {
        if (response.ok && !response.redirected) return cache.put(url, response);
      }).catch(() => undefined)
    ))));
  }
});

function keepable(url) {
  return OFFLINE_PAGES.some((pattern) => pattern.test(url.pathname));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // hashed names never change: the kept copy, else the network
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
    return;
  }
  if (request.mode !== "navigate") return;
  // pages: the network first (always the current data), the kept copy without a signal
  event.respondWith(
    fetch(request).then((response) => {
      if (keepable(url) && response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(PAGES).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() =>
      caches.open(PAGES).then((cache) => cache.match(request, { ignoreVary: true }))
        .then((kept) => kept || caches.match(QUEUE_PAGE, { ignoreVary: true }))
        .then((kept) => kept || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }))
    )
  );
});
