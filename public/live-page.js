// Live server-rendered pages, without WASM of their own. A page section written by the server as
//   <section data-live-page> … </section>
// sits under the campaign's chrome, whose island follows the campaign on the tab's one WebSocket and tells the
// page of every event (and of a reload after missed ones) as a `chorus-event` on the window. After each burst of
// them this fetches the page again and swaps the section's contents, keeping open <details> open, and waits while
// the person is typing in one of its forms (the swap happens when they leave it). The section's data-live says
// "live" once the chrome follows the campaign (for people: nothing changes by hand; for tests).
(function () {
  var section = document.querySelector('[data-live-page]');
  if (!section || !window.fetch || !window.DOMParser) return;
  var timer = null;

  function typing() {
    var a = document.activeElement;
    return !!a && section.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName);
  }
  function later(ms) {
    if (!timer) timer = setTimeout(refresh, ms);
  }
  function refresh() {
    timer = null;
    if (typing()) {
      later(1000);
      return;
    }
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-live-page]');
        if (!next) return;
        if (typing()) {
          later(1000);
          return;
        }
        var open = [];
        section.querySelectorAll('details[open][id]').forEach(function (d) { open.push(d.id); });
        section.innerHTML = next.innerHTML;
        open.forEach(function (id) {
          var d = document.getElementById(id);
          if (d && section.contains(d)) d.open = true;
        });
        section.setAttribute('data-refreshed', String(Number(section.getAttribute('data-refreshed') || 0) + 1));
      })
      .catch(function () { later(5000); });
  }
  window.addEventListener('chorus-event', function () { later(300); });

  // Live once the chrome's island has hydrated (it then follows the campaign).
  function watchChrome() {
    var chrome = document.querySelector('[data-testid="campaign-chrome"]');
    if (!chrome) return false;
    var check = function () {
      if (chrome.getAttribute('data-hydrated') === 'yes') section.setAttribute('data-live', 'live');
    };
    check();
    new MutationObserver(check).observe(chrome, { attributes: true, attributeFilter: ['data-hydrated'] });
    return true;
  }
  if (!watchChrome()) {
    var tries = 0;
    var poll = setInterval(function () {
      if (watchChrome() || ++tries > 100) clearInterval(poll);
    }, 200);
  }
})();
