// The Streaming page's browser script, served as /static/streaming-charts.js: draws input rate,
// processing time and scheduling delay per batch with uPlot from the JSON API
// (/streaming/batches, newest first), and again on every 'kindling:refresh' the page frame's
// live poll fires. The charts' container survives those refreshes (data-keep), so each chart is
// one uPlot instance fed by setData; window.kindlingStreamingCharts exposes them to scripts.

/** The charts, in page order: the page renders one <figure data-chart=key> each. */
export const STREAMING_CHARTS = [
  { key: 'inputRate', caption: 'Input rate (records/s)', legend: 'records/s', unit: 'rate' },
  { key: 'processingTime', caption: 'Processing time', legend: 'processing', unit: 'ms' },
  { key: 'schedulingDelay', caption: 'Scheduling delay', legend: 'delay', unit: 'ms' },
] as const;

export const STREAMING_CHARTS_SCRIPT = `
(function () {
  'use strict';
  function ms(v) {
    if (v == null) return '';
    return v < 1000 ? Math.round(v) + ' ms' : (v / 1000).toFixed(1) + ' s';
  }
  function rate(v) {
    return v == null ? '' : String(+v.toFixed(2));
  }
  var FORMAT = { rate: rate, ms: ms };
  // One chart per series, as Spark's StreamingPage; a batch's value in each (Spark's BatchInfo).
  var CHARTS = ${JSON.stringify(STREAMING_CHARTS)};
  var VALUE = {
    inputRate: function (b) { return b.inputSize / (b.batchDuration / 1000); },
    processingTime: function (b) { return b.processingTime; },
    schedulingDelay: function (b) { return b.schedulingDelay; },
  };
  var charts = {};
  var root = null;
  var seq = 0;
  window.kindlingStreamingCharts = charts;

  function options(label, format) {
    return {
      width: 380,
      height: 200,
      scales: { x: { time: true } },
      series: [
        { label: 'Batch time' },
        {
          label: label,
          stroke: '#2563eb',
          width: 2,
          points: { show: true, size: 6, fill: '#2563eb' },
          value: function (u, v) { return format(v); },
        },
      ],
      axes: [{}, { size: 64, values: function (u, ticks) { return ticks.map(format); } }],
    };
  }

  async function refresh() {
    var el = document.querySelector('[data-streaming-charts]');
    if (el === null) return;
    if (el !== root) {
      // A first draw, or a container the refresh did not keep: start over in it.
      root = el;
      for (var k in charts) { charts[k].destroy(); delete charts[k]; }
    }
    var mine = ++seq;
    var response = await fetch(el.getAttribute('data-batches-url'), { headers: { accept: 'application/json' } });
    if (!response.ok || mine !== seq) return;
    var batches = (await response.json()).slice().reverse();
    if (mine !== seq) return;
    // uPlot's time scale counts seconds.
    var xs = batches.map(function (b) { return b.batchTime / 1000; });
    CHARTS.forEach(function (c) {
      var data = [xs, batches.map(VALUE[c.key])];
      if (charts[c.key] !== undefined) {
        charts[c.key].setData(data);
        return;
      }
      var target = root.querySelector('[data-chart="' + c.key + '"] .plot');
      if (target !== null) charts[c.key] = new uPlot(options(c.legend, FORMAT[c.unit]), data, target);
    });
    root.setAttribute('data-drawn-batches', String(batches.length));
  }

  document.addEventListener('kindling:refresh', function () { refresh().catch(function () {}); });
  refresh().catch(function () {});
})();
`;
