// Live server-rendered pages, without WASM. A page section written by the server as
//   <section data-live-page data-campaign="12" data-head="340"> … </section>
// follows the campaign's events on the WebSocket (/ws, the same protocol the islands use: subscribe after the
// sequence number the page was rendered at). After each burst of events it fetches the page again and swaps the
// section's contents, keeping open <details> open, and waits while the person is typing in one of its forms (the
// swap happens when they leave it). On a lost connection it reconnects with back-off and asks for what it missed.
// The section's data-live says "live" or "offline" (for people: the page's status line; for tests).
(function () {
  var section = document.querySelector('[data-live-page]');
  if (!section || !window.WebSocket || !window.fetch || !window.DOMParser) return;
  var campaign = Number(section.getAttribute('data-campaign'));
  var after = Number(section.getAttribute('data-head')) || 0;
  var timer = null;
  var backoff = 500;

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
  function connect() {
    var socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    socket.onopen = function () {
      backoff = 500;
      socket.send(JSON.stringify({ op: 'subscribe', campaign_id: campaign, after: after }));
    };
    socket.onmessage = function (m) {
      var msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === 'subscribed' && msg.campaign_id === campaign) {
        section.setAttribute('data-live', 'live');
        if (msg.head > after) { after = msg.head; later(300); }
      } else if (msg.type === 'event' && msg.event && msg.event.campaign_id === campaign) {
        if (msg.event.seq > after) after = msg.event.seq;
        later(300);
      } else if (msg.type === 'reset' && msg.campaign_id === campaign) {
        later(300);
      }
    };
    socket.onclose = function () {
      section.setAttribute('data-live', 'offline');
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  connect();
})();
