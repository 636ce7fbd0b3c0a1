// sahel-watch web page: filters that apply at once, the list and map refreshed from
// /incidents (JSON) without a reload, and the marker of the incident under the pointer.
// Served from the daemon itself; no inline script (see the Content-Security-Policy).
// The list item and the marker built here mirror src/web/page.rs: keep them in step.
(function () {
  'use strict';

  var COUNTRIES = { ML: 'Mali', BF: 'Burkina Faso', NE: 'Niger', TD: 'Chad', MR: 'Mauritania' };
  var SVG = 'http://www.w3.org/2000/svg';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function countryName(c) { return COUNTRIES[c] || c; }

  function dayOf(i) { return i.event_date || (i.first_seen || '').slice(0, 10); }

  function dateText(i) {
    return i.event_date ? i.event_date : (i.first_seen || '').slice(0, 10) + ' (first seen)';
  }

  function placeText(i) {
    var parts = [];
    [i.location, i.admin1].forEach(function (p) {
      if (p && !parts.some(function (q) { return q.toLowerCase() === p.toLowerCase(); })) parts.push(p);
    });
    if (i.country) parts.push(countryName(i.country));
    return parts.length ? parts.join(', ') : 'unknown place';
  }

  function tollText(i) {
    var parts = [];
    if (i.killed !== null && i.killed !== undefined) parts.push(i.killed + ' killed');
    if (i.wounded !== null && i.wounded !== undefined) parts.push(i.wounded + ' wounded');
    return parts.length ? parts.join(' · ') : 'toll unknown';
  }

  function metaText(i) {
    var parts = [];
    if (i.victims) parts.push('Victims: ' + i.victims);
    if (i.attack_type) parts.push('Type: ' + i.attack_type);
    if (i.actors && i.actors.length) parts.push('Actors: ' + i.actors.join(', '));
    return parts.join(' · ');
  }

  function moreText(e) {
    var n = e.stories.length, i = e.incident;
    var parts = [n + (n === 1 ? ' story' : ' stories')];
    if (e.watchlists && e.watchlists.length) parts.push('Lists: ' + e.watchlists.join(', '));
    if (i.lat === null || i.lon === null) parts.push('not on the map');
    return parts.join(' · ');
  }

  // as age_class in src/web/mod.rs: whole UTC days between the incident's day and today
  function ageClass(day) {
    var d = Date.parse(day + 'T00:00:00Z');
    var today = Date.parse(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
    var days = Math.round((today - d) / 86400000);
    if (isNaN(days) || days <= 1) return 'd1';
    if (days <= 7) return 'd7';
    if (days <= 30) return 'd30';
    return 'old';
  }

  function radius(killed) {
    return killed ? Math.min(3.5 + 1.6 * Math.sqrt(killed), 18) : 3;
  }

  function incidentUrl(id) { return '/incidents/' + encodeURIComponent(id); }

  function signature(entries) {
    return entries.map(function (e) {
      return e.incident.id + ':' + e.incident.revision + ':' + e.stories.length + ':' +
        (e.watchlists || []).join('|');
    }).join(',');
  }

  // ---- filters: applied as soon as changed (the form works without script too)
  var form = document.getElementById('filters');
  if (form) {
    var country = form.elements.namedItem('country');
    var region = form.elements.namedItem('region');
    var syncRegions = function () {
      for (var k = 0; k < region.options.length; k++) {
        var o = region.options[k];
        if (o.value) o.hidden = !!country.value && o.getAttribute('data-country') !== country.value;
      }
      var sel = region.options[region.selectedIndex];
      if (sel && sel.hidden) region.value = '';
    };
    syncRegions();
    form.addEventListener('change', function (ev) {
      if (ev.target === country) syncRegions();
      var qs = new URLSearchParams();
      for (var k = 0; k < form.elements.length; k++) {
        var f = form.elements[k];
        if (f.name && f.value) qs.set(f.name, f.value);
      }
      var s = qs.toString();
      window.location.assign('/' + (s ? '?' + s : ''));
    });
  }

  // ---- refresh
  var list = document.getElementById('incidents');
  var map = document.getElementById('map');
  var statusLine = document.getElementById('status');
  var empty = document.getElementById('empty');

  function project(lon, lat) {
    var w = +map.getAttribute('data-west'), e = +map.getAttribute('data-east');
    var n = +map.getAttribute('data-north'), width = +map.getAttribute('data-width');
    var merc = function (d) { return Math.log(Math.tan(Math.PI / 4 + d * Math.PI / 360)); };
    var k = width / ((e - w) * Math.PI / 180);
    return [(lon - w) * Math.PI / 180 * k, (merc(n) - merc(lat)) * k];
  }

  function listItem(e) {
    var i = e.incident;
    var li = el('li', 'inc');
    li.id = 'i-' + i.id;
    li.setAttribute('data-id', i.id);
    var a = el('a', 'inc-link');
    a.href = incidentUrl(i.id);
    a.appendChild(el('span', 'dot ' + ageClass(dayOf(i))));
    a.appendChild(el('span', 'when', dateText(i)));
    a.appendChild(document.createTextNode(' '));
    a.appendChild(el('span', 'where', placeText(i)));
    li.appendChild(a);
    li.appendChild(el('div', 'toll', tollText(i)));
    var meta = metaText(i);
    if (meta) li.appendChild(el('div', 'meta', meta));
    li.appendChild(el('div', 'more', moreText(e)));
    return li;
  }

  function marker(e) {
    var i = e.incident;
    var a = document.createElementNS(SVG, 'a');
    a.setAttribute('class', 'mk');
    a.setAttribute('href', incidentUrl(i.id));
    a.setAttribute('data-id', i.id);
    var p = project(i.lon, i.lat);
    var c = document.createElementNS(SVG, 'circle');
    c.setAttribute('class', ageClass(dayOf(i)));
    c.setAttribute('cx', p[0].toFixed(1));
    c.setAttribute('cy', p[1].toFixed(1));
    c.setAttribute('r', (radius(i.killed) * (+map.getAttribute('data-scale') || 1)).toFixed(2));
    var t = document.createElementNS(SVG, 'title');
    t.textContent = dateText(i) + ' · ' + placeText(i) + ' · ' + tollText(i);
    c.appendChild(t);
    a.appendChild(c);
    return a;
  }

  function render(entries) {
    list.replaceChildren.apply(list, entries.map(listItem));
    var markers = document.getElementById('markers');
    var located = entries.filter(function (e) {
      return e.incident.lat !== null && e.incident.lon !== null;
    });
    located.sort(function (a, b) { return radius(b.incident.killed) - radius(a.incident.killed); });
    markers.replaceChildren.apply(markers, located.map(marker));
    empty.hidden = entries.length > 0;
  }

  function statusText(n, ok) {
    var limit = +list.getAttribute('data-limit');
    var now = new Date().toISOString().slice(11, 19);
    var s = n + (n === 1 ? ' incident' : ' incidents');
    if (n === limit) s += ' (the ' + limit + ' most recent)';
    return s + (ok ? ' · as of ' + now + ' UTC' : ' · cannot reach the daemon, retrying');
  }

  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    var q = list.getAttribute('data-query');
    fetch('/incidents' + (q ? '?' + q : ''), { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (entries) {
        var sig = signature(entries);
        if (sig !== list.getAttribute('data-sig')) {
          render(entries);
          list.setAttribute('data-sig', sig);
        }
        statusLine.textContent = statusText(entries.length, true);
        statusLine.classList.remove('warn');
      })
      .catch(function () {
        statusLine.textContent = statusText(list.children.length, false);
        statusLine.classList.add('warn');
      })
      .then(function () { busy = false; });
  }

  if (list && map) {
    var every = Math.max(1, +list.getAttribute('data-refresh') || 30);
    window.setInterval(refresh, every * 1000);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) refresh();
    });

    // the marker of the incident under the pointer, and the other way round
    var lit = [];
    var light = function (id) {
      lit.forEach(function (n) { n.classList.remove('hl'); });
      lit = [];
      if (!id) return;
      [list, map].forEach(function (root) {
        root.querySelectorAll('[data-id]').forEach(function (n) {
          if (n.getAttribute('data-id') === id) { n.classList.add('hl'); lit.push(n); }
        });
      });
    };
    var over = function (ev) {
      var n = ev.target.closest ? ev.target.closest('[data-id]') : null;
      light(n ? n.getAttribute('data-id') : null);
    };
    list.addEventListener('mouseover', over);
    map.addEventListener('mouseover', over);
    list.addEventListener('mouseleave', function () { light(null); });
    map.addEventListener('mouseleave', function () { light(null); });
  }
})();
