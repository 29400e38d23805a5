/* php-session-lab capacity report: draws the embedded chart specs with uPlot (inlined above).
   Plain browser script, no modules, no network. Chart data comes from #capacity-data. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('capacity-data').textContent);
  var dpr = window.devicePixelRatio || 1;
  var drawn = 0;

  function fmt(v) {
    if (v == null) return '—';
    var a = Math.abs(v);
    return v.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 0 : a >= 10 ? 1 : 3 });
  }

  /* Vertical dashed markers (the knee) with a label at the top. */
  function markerPlugin(markers) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          ctx.save();
          markers.forEach(function (m) {
            var x = u.valToPos(m.x, 'x', true);
            ctx.strokeStyle = m.color;
            ctx.lineWidth = 2 * dpr;
            ctx.setLineDash([5 * dpr, 4 * dpr]);
            ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
            ctx.setLineDash([]);
            ctx.fillStyle = m.color;
            ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
            ctx.fillText(m.label, x + 4 * dpr, b.top + 12 * dpr);
          });
          ctx.restore();
        }],
      },
    };
  }

  data.charts.forEach(function (c) {
    var el = document.querySelector('[data-chart="' + c.id + '"]');
    if (!el) return;
    var series = [{ label: c.xLabel, value: function (u, v) { return fmt(v); } }];
    var values = [c.x];
    var bands = [];
    c.series.forEach(function (s) {
      var spec = {
        label: s.label,
        stroke: s.color,
        width: s.line === false ? 0 : 2,
        scale: s.axis === 'y2' ? 'y2' : 'y',
        spanGaps: true,
        value: function (u, v) { return fmt(v); },
        points: { show: s.points === true, size: 7, fill: s.color, stroke: s.color },
      };
      if (s.dash) spec.dash = [6, 4];
      if (s.line === false) spec.paths = function () { return null; };
      if (s.fill) spec.fill = s.fill;
      series.push(spec);
      values.push(s.values);
    });
    (c.bands || []).forEach(function (bd) { bands.push({ series: bd.series, fill: bd.fill }); });
    var axes = [
      { label: c.xLabel, values: function (u, vals) { return vals.map(fmt); } },
      { label: c.yLabel, scale: 'y', values: function (u, vals) { return vals.map(fmt); } },
    ];
    if (c.y2Label) axes.push({ label: c.y2Label, scale: 'y2', side: 1, grid: { show: false }, values: function (u, vals) { return vals.map(fmt); } });
    var width = Math.max(320, Math.min(el.clientWidth || 900, 1100));
    var opts = {
      width: width,
      height: 300,
      series: series,
      axes: axes,
      bands: bands,
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } }, y2: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
      plugins: c.markers && c.markers.length ? [markerPlugin(c.markers)] : [],
      legend: { live: true },
    };
    new uPlot(opts, values, el);
    drawn++;
  });
  document.documentElement.setAttribute('data-charts-drawn', String(drawn));
})();
