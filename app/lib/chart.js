// Clicks per day of a link, from GET /api/links/{code}/timeseries (uPlot on a canvas).
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom.js";

export function clicksChart(series) {
  const box = h("div", { class: "chart", role: "img", "aria-label": `Clicks per day: ${series.items.reduce((n, b) => n + b.clicks, 0)} in ${series.items.length} days` });
  const xs = series.items.map((b) => Date.parse(b.start) / 1000);
  const data = [xs, series.items.map((b) => b.clicks), series.items.map((b) => b.unique_clicks), series.items.map((b) => b.orders)];
  const width = () => Math.max(280, Math.min(900, box.clientWidth || 600));
  const opts = {
    width: 600,
    height: 220,
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max)] } },
    axes: [{}, { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : "")) }],
    series: [
      {},
      { label: "Clicks", stroke: "#d61f5b", width: 2, fill: "rgba(214,31,91,.08)" },
      { label: "Unique", stroke: "#3867d6", width: 2 },
      { label: "Orders", stroke: "#20a36b", width: 2 },
    ],
  };
  // Drawn once the box is in the page (its width is known then), and again when it resizes.
  requestAnimationFrame(() => {
    const plot = new uPlot({ ...opts, width: width() }, data, box);
    new ResizeObserver(() => plot.setSize({ width: width(), height: 220 })).observe(box);
  });
  return box;
}
