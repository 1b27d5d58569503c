// Apache ECharts, only the pieces the console draws (bar and line charts
// on a grid, a legend, a tooltip), in a chunk of its own that only the
// statistics and monthly-report screens load. Tooltips are drawn as rich
// text on the canvas, never as HTML, so a name in the data stays text.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, CanvasRenderer]);

const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
// Distinguishable in greyscale print too; series also differ by pattern
// of symbol, and the table beside the chart carries the numbers.
const COLORS = ['#1f5f8b', '#d97706', '#2f855a', '#a3201c', '#6b46c1', '#4a5568', '#b7791f', '#2b6cb0', '#c05621', '#276749'];
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect', 'circle', 'rect', 'triangle'];

// categories: x labels; series: [{name, data}]; line: a time axis.
export function draw(el, { categories, series, line, yName }) {
  let chart = echarts.getInstanceByDom(el);
  if (!chart) chart = echarts.init(el, null, { renderer: 'canvas', devicePixelRatio: Math.max(2, window.devicePixelRatio || 1) });
  chart.setOption({
    animation: false,
    color: COLORS,
    textStyle: { fontFamily: FONT },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    grid: { left: 56, right: 24, top: series.length > 1 ? 40 : 20, bottom: 60, containLabel: false },
    xAxis: { type: 'category', data: categories, axisLabel: { hideOverlap: true, rotate: categories.length > 12 ? 40 : 0 } },
    yAxis: { type: 'value', name: yName || '', minInterval: 1 },
    series: series.map((s, i) => ({
      name: s.name, type: line ? 'line' : 'bar', data: s.data,
      symbol: SYMBOLS[i % SYMBOLS.length], symbolSize: 7, stack: undefined,
    })),
  }, true);
  return chart;
}

export function dispose(el) {
  const c = echarts.getInstanceByDom(el);
  if (c) c.dispose();
}

export function resizeAll(els) {
  for (const el of els) { const c = echarts.getInstanceByDom(el); if (c) c.resize(); }
}
