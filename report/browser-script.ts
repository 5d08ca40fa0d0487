/**
 * What runs in the browser: draws every chart from the JSON in #evento-data with uPlot, and each
 * timeline as SVG. Plain
 * ES2020 in a string because the project compiles for Node, without the DOM's types; the report's
 * browser test is what checks it (no console error, every chart drawn).
 */
export const browserScript = String.raw`
(() => {
  const data = JSON.parse(document.getElementById('evento-data').textContent);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const colour = (label) => palette[Math.max(0, data.strategies.indexOf(label)) % palette.length];
  const width = (el) => Math.max(320, Math.min(960, el.clientWidth || 960));
  const percentText = (x) => {
    const p = 100 * (1 - 1 / x);
    return (p >= 99 ? p.toFixed(Math.min(3, Math.max(0, Math.round(Math.log10(x)) - 2))) : p.toFixed(0)) + '%';
  };
  const lineSeries = (lines) => lines.map((line) => ({ label: line.label, stroke: colour(line.label), width: 2, spanGaps: false }));
  const draw = (el, options, columns) => {
    el.textContent = '';
    const plot = new uPlot({ width: width(el), height: 300, ...options }, columns, el);
    el.dataset.drawn = 'true';
    return plot;
  };

  document.querySelectorAll('[data-chart]').forEach((el) => {
    const [kind, section, index] = el.dataset.chart.split(':');
    if (kind === 'sweep' || kind === 'capacity') return;
    const found = data.sections.find((s) => s.id === section);
    const chart = (kind === 'spectrum' ? found.spectra : found.perSecond)[Number(index)];
    const columns = [chart.x, ...chart.lines.map((line) => line.y)];
    if (kind === 'spectrum') {
      draw(el, {
        title: chart.title,
        scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
        axes: [
          { label: 'percentile', splits: () => [1, 10, 100, 1000, 10000, 100000].filter((x) => x <= chart.x[chart.x.length - 1]), values: (u, splits) => splits.map(percentText) },
          { label: chart.unit },
        ],
        series: [{ label: 'percentile', value: (u, x) => (x == null ? '' : percentText(x)) }, ...lineSeries(chart.lines)],
      }, columns);
    } else {
      draw(el, {
        title: chart.title,
        scales: { x: { time: false } },
        axes: [{ label: 'second' }, { label: chart.unit }],
        series: [{ label: 'second' }, ...lineSeries(chart.lines)],
      }, columns);
    }
  });

  document.querySelectorAll('[data-chart^="sweep:"]').forEach((el) => {
    const chart = data.sweep[Number(el.dataset.chart.split(':')[1])];
    const x = chart.ticks.map((_, i) => i);
    const series = [{ label: '--' + chart.axis, value: (u, i) => (i == null ? '' : chart.ticks[i]) }];
    const columns = [x];
    chart.strategies.forEach((s) => {
      series.push({ label: s.label, stroke: colour(s.label), width: 2, points: { size: 7 } });
      series.push({ label: s.label + ' 95% low', class: 'interval', stroke: colour(s.label), width: 1, dash: [4, 4], points: { show: false } });
      series.push({ label: s.label + ' 95% high', class: 'interval', stroke: colour(s.label), width: 1, dash: [4, 4], points: { show: false } });
      columns.push(s.median, s.low, s.high);
    });
    const markCrossovers = (u) => {
      const ctx = u.ctx;
      ctx.save();
      chart.crossovers.forEach((c) => {
        const from = u.valToPos(c.until, 'x', true);
        const to = u.valToPos(c.from, 'x', true);
        ctx.fillStyle = 'rgba(255, 165, 0, 0.18)';
        ctx.fillRect(from, u.bbox.top, to - from, u.bbox.height);
        ctx.fillStyle = '#a05a00';
        ctx.font = (12 * devicePixelRatio) + 'px sans-serif';
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText('× ' + c.overtaker + ' over ' + c.leader, from + 4 * devicePixelRatio, u.bbox.top + 4 * devicePixelRatio);
      });
      ctx.restore();
    };
    draw(el, {
      title: chart.title,
      legend: { live: false },
      scales: { x: { time: false, range: [-0.25, x.length - 0.75] } },
      axes: [
        { label: '--' + chart.axis, splits: () => x, values: (u, splits) => splits.map((i) => chart.ticks[i] ?? '') },
        { label: 'reservations/s' },
      ],
      series,
      hooks: { draw: [markCrossovers] },
    }, columns);
  });

  document.querySelectorAll('[data-chart^="capacity:"]').forEach((el) => {
    const chart = data.capacity[Number(el.dataset.chart.split(':')[1])];
    draw(el, {
      title: chart.title,
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: [{ label: 'offered, attempts/s' }, { label: 'ms' }],
      series: [
        { label: 'offered' },
        ...lineSeries(chart.lines).map((series) => ({ ...series, points: { size: 7 } })),
        { label: 'target ' + chart.slo, stroke: '#444', width: 1, dash: [6, 4], points: { show: false } },
      ],
    }, [chart.x, ...chart.lines.map((line) => line.y), chart.x.map(() => chart.targetMs)]);
  });

  // Jepsen's timeline: a lane per client (or server), a bar per operation from invocation to
  // answer; bars that overlap in a lane (a server's) are stacked in rows, packed greedily.
  const svgNs = 'http://www.w3.org/2000/svg';
  const svgElement = (name, attributes, parent) => {
    const element = document.createElementNS(svgNs, name);
    Object.entries(attributes).forEach(([key, value]) => element.setAttribute(key, String(value)));
    parent.appendChild(element);
    return element;
  };
  document.querySelectorAll('[data-timeline]').forEach((el) => {
    const timeline = data.timelines[Number(el.dataset.timeline)];
    const lanes = timeline.lanes.map((lane) => {
      const rowEnds = [];
      const placed = lane.bars.map((bar) => {
        let row = rowEnds.findIndex((end) => end <= bar[0]);
        if (row < 0) row = rowEnds.push(bar[1]) - 1;
        else rowEnds[row] = bar[1];
        return { bar, row };
      });
      return { lane: lane.lane, placed, rows: Math.max(1, rowEnds.length) };
    });
    const allRows = lanes.reduce((sum, lane) => sum + lane.rows, 0);
    const rowHeight = Math.max(3, Math.min(14, Math.floor(640 / allRows)));
    const left = 72, right = 12, top = 22, gap = 3;
    const plotWidth = width(el) - left - right;
    const height = top + allRows * rowHeight + lanes.length * gap + 8;
    const span = Math.max(timeline.to - timeline.from, 0.001);
    const x = (ms) => left + (Math.min(Math.max(ms, timeline.from), timeline.to) - timeline.from) / span * plotWidth;
    el.textContent = '';
    const svg = svgElement('svg', { width: left + plotWidth + right, height, viewBox: '0 0 ' + (left + plotWidth + right) + ' ' + height }, el);
    for (let i = 0; i <= 5; i += 1) {
      const ms = timeline.from + span * i / 5;
      svgElement('line', { x1: x(ms), x2: x(ms), y1: top - 4, y2: height - 6, stroke: '#e4e4e4' }, svg);
      svgElement('text', { x: x(ms), y: top - 8, 'text-anchor': i === 0 ? 'start' : i === 5 ? 'end' : 'middle' }, svg).textContent = ms.toFixed(1) + ' ms';
    }
    const labels = [];
    let y = top;
    lanes.forEach((lane) => {
      const group = svgElement('g', { class: 'lane', 'data-lane': lane.lane }, svg);
      svgElement('text', { x: left - 6, y: y + Math.min(lane.rows * rowHeight, 12) - 2, 'text-anchor': 'end' }, group).textContent = timeline.by + ' ' + lane.lane;
      lane.placed.forEach(({ bar, row }) => {
        const [start, end, type, witness, text] = bar;
        const from = x(start);
        const rect = svgElement('rect', {
          class: 'bar ' + type + (witness ? ' witness' : ''),
          x: from,
          y: y + row * rowHeight,
          // A pixel apart, so that a client's back-to-back operations stay separate bars.
          width: Math.max(1, x(end) - from - 1),
          height: Math.max(2, rowHeight - 1),
          fill: data.outcomeColours[type],
        }, group);
        if (witness) rect.dataset.witness = witness;
        svgElement('title', {}, rect).textContent = (witness ? witness + ': ' : '') + text + ' (' + start.toFixed(3) + ' to ' + end.toFixed(3) + ' ms)';
        if (witness) labels.push({ witness, x: from, y: y + row * rowHeight + rowHeight / 2 });
      });
      y += lane.rows * rowHeight + gap;
      svgElement('line', { x1: left, x2: left + plotWidth, y1: y - gap / 2, y2: y - gap / 2, stroke: '#f0f0f0' }, svg);
    });
    // Names last, so that no bar drawn after them covers them.
    labels.forEach((label) => {
      svgElement('text', { class: 'witness', x: label.x - 3, y: label.y, 'text-anchor': 'end', 'dominant-baseline': 'middle', 'font-size': Math.max(8, Math.min(11, rowHeight + 2)) }, svg).textContent = label.witness;
    });
    el.dataset.drawn = 'true';
  });
})();
`;
