/* php-session-lab report: draws the embedded chart specs with uPlot (inlined above this script).
   Plain browser script, no modules, no network. Chart data comes from #report-data. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var PRINT_WIDTH = 700;
  var charts = [];
  var dpr = window.devicePixelRatio || 1;

  function fmtTime(s) {
    if (s == null) return '—';
    if (s < 120 || s % 1 !== 0) return (Math.round(s * 10) / 10) + 's';
    var m = Math.floor(s / 60), r = Math.round(s - m * 60);
    return m + ':' + (r < 10 ? '0' : '') + r;
  }
  function fmtClock(s) {
    var m = Math.floor(s / 60), r = Math.round(s - m * 60);
    return m + ':' + (r < 10 ? '0' : '') + r;
  }
  function fmtVal(v) {
    if (v == null) return '—';
    var a = Math.abs(v);
    var d = a >= 100 ? 0 : a >= 10 ? 1 : 2;
    return v.toLocaleString('en-US', { maximumFractionDigits: d });
  }
  function fmtPct(x) {
    var p = 100 * (1 - 1 / x);
    return (Math.round(p * 10000) / 10000) + '%';
  }
  function fromZero(u, min, max) {
    return [0, max > 0 ? max * 1.08 : 1];
  }

  /* Shaded fault windows: bands under the grid and series (drawClear), labels on top (draw). */
  function faultBands(bands) {
    function px(u, s) { return u.valToPos(s, 'x', true); }
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          ctx.save();
          ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
          bands.forEach(function (band) {
            var x0 = px(u, band.startS), x1 = px(u, band.endS);
            if (band.failed === 'apply') {
              // Never took effect: a red marker, no shaded window.
              ctx.strokeStyle = '#b91c1c';
              ctx.lineWidth = 2 * dpr;
              ctx.setLineDash([2 * dpr, 2 * dpr]);
              ctx.beginPath(); ctx.moveTo(x0, b.top); ctx.lineTo(x0, b.top + b.height); ctx.stroke();
              return;
            }
            ctx.fillStyle = data.bandColors[band.tone % data.bandColors.length];
            ctx.fillRect(x0, b.top, Math.max(x1 - x0, 2 * dpr), b.height);
            ctx.strokeStyle = data.bandEdges[band.tone % data.bandEdges.length];
            ctx.lineWidth = dpr;
            ctx.setLineDash([4 * dpr, 3 * dpr]);
            ctx.beginPath(); ctx.moveTo(x0, b.top); ctx.lineTo(x0, b.top + b.height);
            if (!band.open) { ctx.moveTo(x1, b.top); ctx.lineTo(x1, b.top + b.height); }
            ctx.stroke();
          });
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox, rows = [];
          ctx.save();
          ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
          ctx.font = '600 ' + (11 * dpr) + 'px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
          ctx.textBaseline = 'top';
          ctx.textAlign = 'left';
          bands.forEach(function (band) {
            var x0 = Math.max(px(u, band.startS), b.left) + 4 * dpr;
            var text = band.label + (band.failed === 'apply' ? ' FAILED to apply' : band.failed === 'heal' ? ' (heal FAILED)' : band.open ? ' (not healed)' : '');
            var w = ctx.measureText(text).width;
            var row = 0;
            while (rows[row] != null && rows[row] > x0) row++;
            rows[row] = x0 + w + 10 * dpr;
            var y = b.top + (3 + row * 15) * dpr;
            ctx.fillStyle = 'rgba(255,255,255,0.85)';
            ctx.fillRect(x0 - 2 * dpr, y - 1 * dpr, w + 4 * dpr, 14 * dpr);
            ctx.fillStyle = '#1e293b';
            ctx.fillText(text, x0, y);
          });
          ctx.restore();
        }]
      }
    };
  }

  /* Environment guards that fired: a solid red line where the machine spoiled the run, labelled at the bottom. */
  function guardMarkers(markers) {
    function px(u, s) { return u.valToPos(s, 'x', true); }
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          ctx.save();
          ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
          ctx.font = '600 ' + (11 * dpr) + 'px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
          ctx.textBaseline = 'bottom';
          ctx.textAlign = 'left';
          markers.forEach(function (m, i) {
            var x = px(u, m.atS);
            ctx.strokeStyle = '#b91c1c';
            ctx.lineWidth = 2 * dpr;
            ctx.setLineDash([]);
            ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
            var text = '\u26a0 ' + m.label;
            var w = ctx.measureText(text).width;
            var y = b.top + b.height - (3 + i * 15) * dpr;
            var x0 = Math.min(x + 4 * dpr, b.left + b.width - w - 4 * dpr);
            ctx.fillStyle = 'rgba(255,255,255,0.9)';
            ctx.fillRect(x0 - 2 * dpr, y - 13 * dpr, w + 4 * dpr, 14 * dpr);
            ctx.fillStyle = '#b91c1c';
            ctx.fillText(text, x0, y);
          });
          ctx.restore();
        }]
      }
    };
  }

  function axisStyle(extra) {
    var a = { stroke: '#475569', grid: { stroke: '#eef2f6', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1, size: 4 }, font: '11px system-ui, sans-serif', labelFont: '600 11px system-ui, sans-serif' };
    for (var k in extra) a[k] = extra[k];
    return a;
  }

  function options(spec, width) {
    var series = [{}];
    var scales = { x: { time: false }, y: { range: fromZero } };
    var axes;
    var plugins = [];
    spec.series.forEach(function (s) {
      // Stacked series draw cumulative values; their legend shows the series' own (s.legend).
      var o = { label: s.label, stroke: s.color, width: 1.75, spanGaps: spec.kind === 'spectrum', value: function (u, v, si, idx) { return fmtVal(s.legend ? (idx == null ? null : s.legend[idx]) : v); } };
      if (s.dash) o.dash = s.dash;
      o.points = s.points ? { show: true, size: 6, fill: s.color } : { show: false };
      if (s.bars) {
        o.paths = uPlot.paths.bars({ size: [s.align ? 0.36 : 0.55, 64], align: s.align || 0, gap: 2 });
        o.fill = s.color; o.width = 0; o.points = { show: false };
      }
      series.push(o);
    });
    if (spec.kind === 'time') {
      series[0] = { label: 't', value: function (u, v) { return fmtTime(v); } };
      scales.x.range = function (u, min, max) { return [0, spec.xMax != null ? Math.max(spec.xMax, max) : max]; };
      axes = [
        axisStyle({ values: function (u, splits) { var long = u.scales.x.max > 150; return splits.map(function (v) { return long ? fmtClock(v) : fmtTime(v); }); }, incrs: [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600] }),
        axisStyle({ label: spec.yLabel, size: 56, labelSize: 18 })
      ];
      if (spec.bands && data.faults.length) plugins.push(faultBands(data.faults));
      if (spec.bands && data.guards && data.guards.length) plugins.push(guardMarkers(data.guards));
    } else if (spec.kind === 'spectrum') {
      series[0] = { label: 'percentile', value: function (u, v) { return v == null ? '—' : fmtPct(v); } };
      var maxX = spec.x[spec.x.length - 1];
      scales.x = { time: false, distr: 3, log: 10, range: function () { return [1, Math.pow(10, Math.ceil(Math.log10(maxX)))]; } };
      scales.y = { distr: 3, log: 10 };
      // Decades plus 2x and 5x: uPlot's default log grid has a line for every 1..9 multiple.
      var logSplits = function (u, axisIdx, min, max) {
        var s = [];
        var decades = Math.max(1, Math.log10(max / min));
        var perDecade = u.bbox.height / dpr / decades;
        var mults = perDecade >= 90 ? [1, 2, 5] : perDecade >= 45 ? [1, 3] : [1];
        for (var d = Math.pow(10, Math.floor(Math.log10(min))); d <= max; d *= 10) mults.forEach(function (m) { var v = d * m; if (v >= min * 0.999 && v <= max * 1.001) s.push(v); });
        return s;
      };
      axes = [
        axisStyle({
          label: 'percentile (log scale of 1 / (1 − p))', labelSize: 18,
          splits: function (u) { var s = [], mx = u.scales.x.max; for (var v = 1; v <= mx * 1.0001; v *= 10) s.push(v); return s; },
          values: function (u, splits) { return splits.map(fmtPct); }
        }),
        axisStyle({ label: spec.yLabel, size: 56, labelSize: 18, splits: logSplits, filter: function (u, splits) { return splits; }, values: function (u, splits) { return splits.map(function (v) { return v == null ? '' : fmtVal(v); }); } })
      ];
    } else {
      var n = spec.x.length, labels = spec.xLabels || [];
      var longest = labels.reduce(function (m, l) { return Math.max(m, l.length); }, 0);
      var crowded = longest * 6.5 > (width - 80) / Math.max(n, 1);
      series[0] = { label: spec.xName || '', value: function (u, v) { return v == null ? '—' : (labels[v] || String(v)); } };
      scales.x.range = function () { return [-0.5, n - 0.5]; };
      axes = [
        axisStyle({
          splits: function () { return spec.x; },
          values: function (u, splits) { return splits.map(function (i) { return labels[i] || ''; }); },
          rotate: crowded ? 30 : 0, size: crowded ? Math.min(120, 16 + longest * 5) : 30, grid: { show: false }
        }),
        axisStyle({ label: spec.yLabel, size: 64, labelSize: 18, values: function (u, splits) { return splits.map(fmtVal); } })
      ];
    }
    return {
      width: width,
      height: spec.height,
      series: series,
      scales: scales,
      axes: axes,
      plugins: plugins,
      legend: { live: true },
      cursor: spec.kind === 'time' ? { sync: { key: 'timeline' }, drag: { x: true, y: false } } : { drag: { x: false, y: false } }
    };
  }

  function widthOf(el) { return Math.max(280, Math.floor(el.getBoundingClientRect().width)); }

  data.charts.forEach(function (spec) {
    var el = document.querySelector('[data-chart="' + spec.id + '"]');
    if (!el) return;
    var cols = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var u = new uPlot(options(spec, widthOf(el)), cols, el);
    charts.push({ u: u, el: el, spec: spec });
  });

  function resizeAll(fixed) {
    charts.forEach(function (c) { c.u.setSize({ width: fixed || widthOf(c.el), height: c.spec.height }); });
  }
  var timer = null;
  window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(function () { resizeAll(); }, 120); });
  // Print: fixed width so every chart fits the page; screen width again afterwards.
  window.addEventListener('beforeprint', function () { resizeAll(PRINT_WIDTH); });
  window.addEventListener('afterprint', function () { resizeAll(); });
  if (window.matchMedia) {
    var printQuery = window.matchMedia('print');
    var onPrint = function (e) { resizeAll(e.matches ? PRINT_WIDTH : null); };
    if (printQuery.addEventListener) printQuery.addEventListener('change', onPrint);
  }
  document.documentElement.setAttribute('data-charts-drawn', String(charts.length));
})();
