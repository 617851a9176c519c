// Map of sites (ECharts) on the offline outline of 遂宁 shipped by the reports app (static/reports/maps/5109.json).
// Data come from a json_script element (the CSP forbids inline scripts). A site without coordinates is drawn near the
// centre of its county's outline. Clicking a point opens the site.
(function () {
  "use strict";
  var FONT = "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans SC', 'Tongxin Noto Sans SC', sans-serif";
  var COLORS = ["#c8102e", "#206bc4", "#f59f00", "#2fb344", "#ae3ec9", "#17a2b8", "#fd7e14", "#6c757d"];

  function ringsOf(geometry) {
    if (geometry.type === "Polygon") { return [geometry.coordinates[0]]; }
    if (geometry.type === "MultiPolygon") { return geometry.coordinates.map(function (p) { return p[0]; }); }
    return [];
  }

  function centre(feature) {
    var minX = 999, minY = 999, maxX = -999, maxY = -999;
    ringsOf(feature.geometry).forEach(function (ring) {
      ring.forEach(function (c) {
        minX = Math.min(minX, c[0]); maxX = Math.max(maxX, c[0]);
        minY = Math.min(minY, c[1]); maxY = Math.max(maxY, c[1]);
      });
    });
    return [(minX + maxX) / 2, (minY + maxY) / 2];
  }

  function draw(el, d, geo) {
    var features = geo ? geo.features : [];
    if (d.scope && d.scope.length === 6) {
      var own = features.filter(function (f) { return String(f.properties.code) === d.scope; });
      if (own.length) { features = own; }
    }
    var centres = {};
    features.forEach(function (f) { centres[String(f.properties.code)] = centre(f); });
    var kinds = [];
    d.points.forEach(function (p) { if (kinds.indexOf(p.kind) < 0) { kinds.push(p.kind); } });
    var placed = {};
    var series = kinds.map(function (kind, i) {
      return {
        name: kind, type: "scatter", coordinateSystem: "geo", symbolSize: 12,
        itemStyle: { color: COLORS[i % COLORS.length], borderColor: "#fff", borderWidth: 1 },
        data: d.points.filter(function (p) { return p.kind === kind; }).map(function (p) {
          var pos = (p.lon !== null && p.lat !== null) ? [p.lon, p.lat] : null;
          if (!pos && centres[p.county]) {
            var n = placed[p.county] = (placed[p.county] || 0) + 1;
            var angle = n * 2.4, radius = 0.012 * Math.sqrt(n);
            pos = [centres[p.county][0] + radius * Math.cos(angle), centres[p.county][1] + radius * Math.sin(angle)];
          }
          return pos ? { name: p.name, value: pos, url: p.url, level: p.level, kind: p.kind } : null;
        }).filter(Boolean)
      };
    });
    echarts.registerMap("tongxin-sites", { type: "FeatureCollection", features: features });
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: function (p) { return p.data ? p.data.name + "<br>" + p.data.kind + " · " + p.data.level : p.name; } },
      legend: { top: 0, data: kinds },
      geo: { map: "tongxin-sites", roam: true, top: 36, bottom: 8, label: { show: true, color: "#667382", fontSize: 11 },
             itemStyle: { areaColor: "#f4f6fa", borderColor: "#9aa5b4" }, emphasis: { itemStyle: { areaColor: "#e8edf5" } } },
      series: series
    });
    chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("sites-map");
    var holder = document.getElementById("sites-map-data");
    if (!el || !holder || typeof echarts === "undefined") { return; }
    var d = JSON.parse(holder.textContent);
    if (!d.points.length) { el.textContent = el.dataset.empty; el.style.height = "auto"; return; }
    if (!d.map_url) { el.textContent = el.dataset.nomap; el.style.height = "auto"; return; }
    fetch(d.map_url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (geo) { draw(el, d, geo); });
  });
})();
