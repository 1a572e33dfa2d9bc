// Shared helpers of the daemon's pages: plain JavaScript, no build step.
"use strict";

const Lrcn = {
  async json(url, options) {
    const response = await fetch(url, options);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return response.json();
  },
  param(name) { return new URLSearchParams(location.search).get(name); },
  percent(p) { return p == null ? "" : `${Math.round(p * 100)}%`; },
  time(unixSeconds) { return unixSeconds == null ? "" : new Date(unixSeconds * 1000).toLocaleString(); },
  // The overlay's palette, so a label has the same colour in pictures and timelines.
  colour(label) {
    const palette = ["#4aa3ff", "#ff9f43", "#7bd88f", "#ff6b6b", "#c792ea", "#ffd166", "#48d1cc", "#f78fb3"];
    let hash = 0;
    for (const c of label) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    return palette[hash % palette.length];
  },
  el(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "text") element.textContent = value;
      else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, value);
    }
    element.append(...children);
    return element;
  },
  // Reloads an <img> from url only once the previous picture has arrived, so a slow link never piles up requests.
  refreshImage(img, url) {
    if (img.dataset.loading === "1") return;
    img.dataset.loading = "1";
    const next = new Image();
    next.onload = () => { img.src = next.src; img.dataset.loading = "0"; img.dataset.loads = String(Number(img.dataset.loads || 0) + 1); };
    next.onerror = () => { img.dataset.loading = "0"; };
    next.src = `${url}${url.includes("?") ? "&" : "?"}t=${Date.now()}`;
  },
  // The label stretches of the last `hours` as coloured bands in `container`, with a legend.
  drawTimeline(container, legend, timeline) {
    container.replaceChildren();
    legend.replaceChildren();
    const span = timeline.end_time - timeline.start_time;
    const seen = new Set();
    for (const segment of timeline.segments) {
      const left = (segment.start_time - timeline.start_time) / span * 100;
      const width = Math.max(0.2, (segment.end_time - segment.start_time) / span * 100);
      container.append(Lrcn.el("div", {
        class: "band", style: `left:${left}%;width:${width}%;background:${Lrcn.colour(segment.label)}`,
        title: `${segment.label} ${Lrcn.percent(segment.confidence)} from ${Lrcn.time(segment.start_time)}`, "data-label": segment.label,
      }));
      if (!seen.has(segment.label)) {
        seen.add(segment.label);
        legend.append(Lrcn.el("span", {}, Lrcn.el("i", { style: `background:${Lrcn.colour(segment.label)}` }), segment.label));
      }
    }
  },
};
