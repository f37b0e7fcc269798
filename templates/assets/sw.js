// Service worker for one athlete's folder (its scope): keeps the page, handout and calendar
// on the phone. The build writes the list below with a content hash per file, so any change
// gives a new worker, which fetches the new copies and then drops the old ones.
"use strict";
var PRECACHE = {{ precache | tojson }};
var PREFIX = "rehab-plan:" + self.registration.scope + ":";
var CACHE = PREFIX + {{ version | tojson }};

function key(url) {
  // "./" and "./index.html" are one page.
  var u = new URL(url, self.registration.scope);
  u.search = "";
  u.hash = "";
  if (u.href === new URL("index.html", self.registration.scope).href) return self.registration.scope;
  return u.href;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(PRECACHE.map(function (entry) {
      var url = new URL(entry[0], self.registration.scope).href;
      // "reload": never take a stale copy from the HTTP cache into the new revision.
      return fetch(new Request(url, {cache: "reload"})).then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return cache.put(key(url), response);
      });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// The plan was taken off the site (a referral removes it): it must not live on in the phone.
// Hosts such as S3 answer 403, not 404, for a file that is not there.
function forget(response) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(PREFIX) === 0; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.registration.unregister(); })
    .then(function () { return response; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(self.registration.scope) !== 0) return;
  var cached = caches.open(CACHE).then(function (cache) { return cache.match(key(request.url)); });
  if (request.mode === "navigate") {
    // The page: the newest from the network when online, the saved copy when not.
    event.respondWith(fetch(request).then(function (response) {
      if ([403, 404, 410].indexOf(response.status) >= 0) return forget(response);
      if (response.status >= 500) return cached.then(function (hit) { return hit || response; });
      return response;
    }, function () {
      return cached.then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  event.respondWith(cached.then(function (hit) { return hit || fetch(request); }));
});
