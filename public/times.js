// Times in the viewer's own zone. The server writes every time as
//   <time datetime="2026-12-04T19:35:00Z" data-local data-tz="Europe/Berlin">4 Dec 20:35 CET</time>
// (in the campaign's zone, see app/src/dates.rs). This rewrites each one, now and whenever the page adds or
// changes one, to the viewer's zone with its abbreviation ("4 Dec 14:35 EST"); the campaign's time stays in the
// tooltip, and a deadline (data-deadline) shows both: "4 Dec 14:35 EST · 4 Dec 20:35 CET campaign time".
// One format everywhere: day, month, 24-hour time, zone. No WASM: Intl.DateTimeFormat knows every zone.
(function () {
  if (window.chorusTime) return; // loaded twice (a page kept offline gets it again with its marker)
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var formats = {};
  function formatsFor(zone) {
    var key = zone || '';
    if (!(key in formats)) {
      try {
        var tz = zone || undefined;
        formats[key] = {
          clock: new Intl.DateTimeFormat('en-GB', {
            day: 'numeric', month: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz,
          }),
          us: new Intl.DateTimeFormat('en-US', { timeZoneName: 'short', timeZone: tz }),
          gb: new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short', timeZone: tz }),
        };
      } catch (e) {
        formats[key] = null; // not a zone this browser knows
      }
    }
    return formats[key];
  }
  function part(format, date, type) {
    var parts = format.formatToParts(date);
    for (var i = 0; i < parts.length; i++) if (parts[i].type === type) return parts[i].value;
    return '';
  }
  // "EST", "CET", "PST"… : American English names American zones, British English European ones; a zone without
  // a common abbreviation reads as its offset ("UTC+3").
  function abbreviation(f, date) {
    var numeric = /^(GMT|UTC)[+-−]/;
    var us = part(f.us, date, 'timeZoneName');
    if (!numeric.test(us)) return us;
    var gb = part(f.gb, date, 'timeZoneName');
    return numeric.test(gb) ? us.replace(/^GMT/, 'UTC') : gb;
  }
  /** `4 Dec 14:35 EST` in `zone` (the viewer's own when empty); null for a zone the browser does not know. */
  function text(date, zone) {
    var f = formatsFor(zone);
    if (!f) return null;
    var day = String(Number(part(f.clock, date, 'day')));
    var month = MONTHS[Number(part(f.clock, date, 'month')) - 1];
    return day + ' ' + month + ' ' + part(f.clock, date, 'hour') + ':' + part(f.clock, date, 'minute') + ' ' +
      abbreviation(f, date);
  }
  function show(el) {
    var iso = el.getAttribute('datetime');
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) return;
    var local = text(date);
    if (!local) return;
    var tz = el.getAttribute('data-tz');
    var campaign = tz ? text(date, tz) : null;
    var out = local;
    var title = local + ', your time';
    if (campaign && campaign !== local) {
      title = campaign + ', the campaign\u2019s time (' + tz + ')';
      if (el.hasAttribute('data-deadline')) out = local + ' \u00b7 ' + campaign + ' campaign time';
    }
    if (el.textContent !== out) {
      // Only the text nodes' contents change, never the nodes: the page's code (and its hydration markers,
      // `<!---->`) keeps every node it holds, so hydration and its later updates still find them.
      var first = null;
      for (var i = 0; i < el.childNodes.length; i++) {
        var n = el.childNodes[i];
        if (n.nodeType !== 3) continue;
        if (!first) first = n;
        else if (n.data) n.data = '';
      }
      if (!first) return;
      first.data = out;
    }
    if (el.title !== title) el.title = title;
    if (el.getAttribute('data-shown') !== iso) el.setAttribute('data-shown', iso);
  }
  function scan(node) {
    if (!node || node.nodeType !== 1) return;
    if (node.matches('time[data-local]')) show(node);
    var all = node.querySelectorAll('time[data-local]');
    for (var i = 0; i < all.length; i++) show(all[i]);
  }
  window.chorusTime = text;
  scan(document.documentElement);
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === 'childList') {
        r.addedNodes.forEach(function (n) {
          if (n.nodeType === 3) {
            var t = n.parentElement && n.parentElement.closest('time[data-local]');
            if (t) show(t);
          } else scan(n);
        });
      } else {
        var target = r.type === 'characterData' ? r.target.parentElement : r.target;
        var el = target && target.closest && target.closest('time[data-local]');
        if (el) show(el);
      }
    });
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['datetime'],
  });
})();
