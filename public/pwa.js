// Registers the creator portal's service worker (public/sw.js, scope "/"). Loaded by the PwaHead component.
// It also tells the worker about what it cannot see by itself:
//   - the bundle this page loaded before the worker controlled it (so the app shell works offline at once);
//   - addresses changed without a page load (history.pushState/replaceState), so the worker keeps those pages
//     too; it decides which pages it keeps (only the creator portal's) and whose they are.
(function () {
  if (!('serviceWorker' in navigator)) return;
  var sw = navigator.serviceWorker;
  function post(message) {
    sw.ready.then(function (reg) { if (reg.active) reg.active.postMessage(message); });
  }
  function shell() {
    post({
      type: 'cache-shell',
      urls: performance.getEntriesByType('resource')
        .map(function (e) { return e.name; })
        .filter(function (u) { return u.indexOf(location.origin + '/pkg/') === 0; }),
    });
  }
  var seen = location.pathname + location.search;
  function moved() {
    var here = location.pathname + location.search;
    if (here === seen) return;
    seen = here;
    // After the router has rendered the new page.
    setTimeout(function () { post({ type: 'keep-page', url: here }); }, 500);
  }
  ['pushState', 'replaceState'].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      moved();
      return result;
    };
  });
  addEventListener('popstate', moved);

  sw.register('/sw.js', { scope: '/' }).then(function () {
    shell();
    // The WASM may still be loading now; hand the list over again once the page has settled.
    if (document.readyState === 'complete') setTimeout(shell, 3000);
    else addEventListener('load', function () { setTimeout(shell, 1000); });
  }).catch(function (e) { console.warn('Chorus: no offline support', e); });
})();
