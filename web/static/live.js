// Live jury progress (docs/decisions/0017-live-jury-progress.md). The chair's pages show the jury's
// counts without any script; where the browser has EventSource, this file follows the page's
// event stream and updates the counts in place. Their paragraph is a polite aria-live region, so a
// screen reader hears the new counts without losing its place.
(function () {
  'use strict';
  var box = document.querySelector('[data-events]');
  if (!box || !('EventSource' in window)) return;
  var source = new EventSource(box.getAttribute('data-events'));
  source.addEventListener('progress', function (event) {
    var counts;
    try { counts = JSON.parse(event.data); } catch (e) { return; }
    box.querySelectorAll('[data-live]').forEach(function (el) {
      var v = counts[el.getAttribute('data-live')];
      if (typeof v === 'number' && el.textContent !== String(v)) el.textContent = String(v);
    });
    box.querySelectorAll('progress[data-live-max]').forEach(function (bar) {
      var max = counts[bar.getAttribute('data-live-max')];
      var value = counts[bar.getAttribute('data-live-value')];
      if (typeof max === 'number' && max > 0) bar.max = max;
      if (typeof value === 'number') {
        bar.value = value;
        bar.textContent = value + ' / ' + bar.max;
      }
    });
    box.setAttribute('data-live-state', 'connected');
  });
  // Leaving the page closes the stream (the server ends it too, with the session).
  window.addEventListener('pagehide', function () { source.close(); });
}());
