// Charts of the report pages (ECharts). Data come from <script type="application/json"> elements rendered with
// Django's json_script (not executed; the CSP forbids inline scripts). Every chart element clicks through to the
// records behind the figure it shows.
(function () {
  "use strict";
  var RED = "#c8102e", GREY = "#adb5bd";
  var FONT = "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans SC', 'Tongxin Noto Sans SC', sans-serif";
  var PALETTE = [RED, "#206bc4", "#f59f00", "#2fb344", "#ae3ec9", "#17a2b8", "#fd7e14", "#6c757d"];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function open(url) { if (url) { window.location.href = url; } }

  function make(el, option, onClick) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    option.textStyle = { fontFamily: FONT };
    option.color = option.color || PALETTE;
    chart.setOption(option);
    if (onClick) { chart.on("click", onClick); el.style.cursor = "pointer"; }
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function unitLabel(unit) { return unit ? "（" + unit + "）" : ""; }

  function trend(el, d) {
    var t = d.trend;
    make(el, {
      tooltip: { trigger: "axis" },
      legend: { data: [t.current_name, t.previous_name], top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: t.labels },
      yAxis: { type: "value", name: d.metric.unit, minInterval: 1 },
      series: [
        { name: t.current_name, type: "bar", data: t.current, itemStyle: { color: RED }, barMaxWidth: 28 },
        { name: t.previous_name, type: "line", data: t.previous, itemStyle: { color: GREY }, lineStyle: { type: "dashed" }, symbolSize: 6 }
      ]
    }, function (p) { if (p.seriesIndex === 0) { open(t.urls[p.dataIndex]); } });
  }

  function regionBars(el, d) {
    var r = d.regions;
    el.style.height = Math.max(220, r.names.length * 26 + 40) + "px";
    make(el, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: r.names.slice().reverse(), axisTick: { show: false } },
      series: [{ type: "bar", data: r.values.slice().reverse(), itemStyle: { color: RED }, barMaxWidth: 18,
                 label: { show: true, position: "right" } }]
    }, function (p) { open(r.urls[r.names.length - 1 - p.dataIndex]); });
  }

  function regionMap(el, d) {
    // Features carry properties.code (official code), so renamed regions still match.
    var r = d.regions;
    fetch(r.map, { credentials: "same-origin" }).then(function (resp) { return resp.json(); }).then(function (geo) {
      echarts.registerMap("region-" + r.map, geo);
      var max = Math.max.apply(null, r.values.concat([1]));
      function nameOf(code) { var i = r.codes.indexOf(code); return i >= 0 ? r.names[i] : code; }
      make(el, {
        tooltip: { trigger: "item", formatter: function (p) { return nameOf(p.name) + "：" + (p.value || 0) + (d.metric.unit || ""); } },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: true, itemHeight: 80, inRange: { color: ["#fbe9eb", RED] } },
        series: [{ type: "map", map: "region-" + r.map, nameProperty: "code", roam: false,
                   label: { show: true, fontSize: 11, formatter: function (p) { return nameOf(p.name); } },
                   data: r.codes.map(function (c, i) { return { name: c, value: r.values[i] }; }) }]
      }, function (p) { var i = r.codes.indexOf(p.name); if (i >= 0) { open(r.urls[i]); } });
    }).catch(function () { el.remove(); });
  }

  function pie(el, d) {
    var part = d.parts[Number(el.dataset.index)];
    make(el, {
      tooltip: { trigger: "item", formatter: "{b}：{c}" + (part.unit || "") + "（{d}%）" },
      legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "68%"], center: ["50%", "45%"], data: part.items,
                 label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" },
                 labelLine: { show: false } }]
    }, function (p) { open((p.data && p.data.url) || part.url); });
  }

  function documentChart(el, charts) {
    var c = charts[Number(el.dataset.index)];
    var horizontal = c.kind !== "month";
    if (horizontal) { el.style.height = Math.max(200, c.labels.length * 26 + 60) + "px"; }
    var cat = { type: "category", data: horizontal ? c.labels.slice().reverse() : c.labels, axisTick: { show: false } };
    var val = { type: "value", minInterval: 1 };
    make(el, {
      title: { text: c.title + unitLabel(c.unit), textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 40, bottom: 8, containLabel: true },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? cat : val,
      series: [{ type: "bar", data: horizontal ? c.values.slice().reverse() : c.values, itemStyle: { color: RED },
                 barMaxWidth: 22, label: { show: true, position: horizontal ? "right" : "top" } }]
    });
  }

  // Typing dates means a custom period: switch the period select so the dates are used.
  function initPeriod() {
    document.querySelectorAll("input[name=from], input[name=to]").forEach(function (input) {
      input.addEventListener("change", function () {
        var select = input.form && input.form.querySelector("select[name=period]");
        if (select) { select.value = "custom"; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initPeriod();
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el.dataset.source);
      if (!d) { return; }
      var kind = el.dataset.chart;
      if (kind === "trend") { trend(el, d); }
      else if (kind === "regions") { regionBars(el, d); }
      else if (kind === "map") { regionMap(el, d); }
      else if (kind === "pie") { pie(el, d); }
      else if (kind === "document") { documentChart(el, d); }
    });
  });
})();
