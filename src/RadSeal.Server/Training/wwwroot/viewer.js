// RadSeal case viewer: full-resolution 16-bit samples windowed in the browser (window/level), zoom and pan.
// Samples arrive as little-endian unsigned 16-bit words; headers give the size, bits and the default window.
(function () {
  'use strict';
  const canvas = document.getElementById('viewer');
  if (!canvas) { return; }
  const ctx = canvas.getContext('2d');
  const centerInput = document.getElementById('wl-center');
  const widthInput = document.getElementById('wl-width');
  const zoomLabel = document.getElementById('zoom-level');
  const state = { w: 0, h: 0, samples: null, monochrome1: false, center: 0, width: 1, defCenter: 0, defWidth: 1,
    zoom: 1, panX: 0, panY: 0, bitmap: null, overlay: null, shownAt: null };
  let lastDrawn = 0;

  function render() {
    const { w, h, samples, center, width, monochrome1 } = state;
    const image = new ImageData(w, h);
    const d = image.data;
    const low = center - width / 2;
    for (let i = 0; i < samples.length; i++) {
      let v = (samples[i] - low) / width;
      v = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      if (monochrome1) { v = 255 - v; }
      const o = i * 4;
      d[o] = d[o + 1] = d[o + 2] = v; d[o + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = w; off.height = h;
    const octx = off.getContext('2d');
    octx.putImageData(image, 0, 0);
    if (state.overlay) { octx.imageSmoothingEnabled = true; octx.drawImage(state.overlay, 0, 0, w, h); }
    state.bitmap = off;
    draw();
  }

  function draw() {
    if (!state.bitmap) { return; }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = state.zoom < 1;
    ctx.setTransform(state.zoom, 0, 0, state.zoom, state.panX, state.panY);
    ctx.drawImage(state.bitmap, 0, 0);
    if (zoomLabel) { zoomLabel.textContent = Math.round(state.zoom * 100) + '%'; }
    lastDrawn++;
    canvas.dataset.drawn = String(lastDrawn);
  }

  function fit() {
    state.zoom = Math.min(canvas.width / state.w, canvas.height / state.h);
    state.panX = (canvas.width - state.w * state.zoom) / 2;
    state.panY = (canvas.height - state.h * state.zoom) / 2;
  }

  function setWindow(center, width) {
    state.center = center; state.width = Math.max(1, width);
    if (centerInput) { centerInput.value = String(Math.round(state.center)); }
    if (widthInput) { widthInput.value = String(Math.round(state.width)); }
    render();
  }

  async function load() {
    const response = await fetch(canvas.dataset.src, { credentials: 'same-origin' });
    if (!response.ok) { canvas.dataset.error = String(response.status); return; }
    const buffer = await response.arrayBuffer();
    const view = new DataView(buffer);
    state.w = parseInt(response.headers.get('X-Image-Width'), 10);
    state.h = parseInt(response.headers.get('X-Image-Height'), 10);
    const bits = parseInt(response.headers.get('X-Image-Bits'), 10);
    state.monochrome1 = response.headers.get('X-Image-Monochrome1') === '1';
    state.samples = new Uint16Array(state.w * state.h);
    for (let i = 0; i < state.samples.length; i++) { state.samples[i] = view.getUint16(i * 2, true); }
    state.defCenter = parseFloat(response.headers.get('X-Window-Center'));
    state.defWidth = parseFloat(response.headers.get('X-Window-Width'));
    const max = (1 << bits) - 1;
    if (centerInput) { centerInput.min = '0'; centerInput.max = String(max); }
    if (widthInput) { widthInput.min = '1'; widthInput.max = String(max + 1); }
    canvas.dataset.width = String(state.w); canvas.dataset.height = String(state.h); canvas.dataset.bits = String(bits);
    fit();
    setWindow(state.defCenter, state.defWidth);
    state.shownAt = performance.now();
    canvas.dataset.ready = '1';
  }

  // Zoom about the cursor with the wheel; drag with the left button to pan, with the right button (or shift) to
  // change the window: horizontal = width, vertical = level (centre).
  canvas.addEventListener('wheel', e => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const factor = e.deltaY < 0 ? 1.25 : 0.8;
    const zoom = Math.min(32, Math.max(0.05, state.zoom * factor));
    state.panX = x - (x - state.panX) * zoom / state.zoom;
    state.panY = y - (y - state.panY) * zoom / state.zoom;
    state.zoom = zoom;
    draw();
  }, { passive: false });
  let drag = null;
  canvas.addEventListener('contextmenu', e => e.preventDefault());
  canvas.addEventListener('mousedown', e => {
    drag = { x: e.clientX, y: e.clientY, window: e.button === 2 || e.shiftKey, panX: state.panX, panY: state.panY, c: state.center, w: state.width };
  });
  window.addEventListener('mouseup', () => { drag = null; });
  window.addEventListener('mousemove', e => {
    if (!drag) { return; }
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (drag.window) {
      const scale = Math.max(1, state.defWidth / 256);
      setWindow(drag.c + dy * scale, drag.w + dx * scale);
    } else {
      state.panX = drag.panX + dx; state.panY = drag.panY + dy; draw();
    }
  });
  if (centerInput) { centerInput.addEventListener('input', () => setWindow(parseFloat(centerInput.value), state.width)); }
  if (widthInput) { widthInput.addEventListener('input', () => setWindow(state.center, parseFloat(widthInput.value))); }
  const on = (id, f) => { const b = document.getElementById(id); if (b) { b.addEventListener('click', e => { e.preventDefault(); f(); }); } };
  on('zoom-in', () => { state.zoom *= 1.25; draw(); });
  on('zoom-out', () => { state.zoom *= 0.8; draw(); });
  on('zoom-1', () => { state.zoom = 1; state.panX = (canvas.width - state.w) / 2; state.panY = (canvas.height - state.h) / 2; draw(); });
  on('zoom-fit', () => { fit(); draw(); });
  on('wl-reset', () => setWindow(state.defCenter, state.defWidth));

  // Time per case: from the image appearing to the answer being sent.
  const form = document.getElementById('answer-form');
  if (form) {
    form.addEventListener('submit', () => {
      const elapsed = form.querySelector('input[name=elapsed_ms]');
      if (elapsed && state.shownAt !== null) { elapsed.value = String(Math.round(performance.now() - state.shownAt)); }
    });
  }

  // Training feedback: the detector's heatmap over the image, when the server has a detector.
  const heat = canvas.dataset.heatmap;
  load().then(async () => {
    if (!heat) { return; }
    const r = await fetch(heat, { credentials: 'same-origin' });
    if (!r.ok) { return; }
    const map = await r.json();
    const overlay = document.createElement('canvas');
    overlay.width = map.width; overlay.height = map.height;
    const o = overlay.getContext('2d');
    const img = o.createImageData(map.width, map.height);
    map.values.forEach((v, i) => { img.data[i * 4] = 255; img.data[i * 4 + 1] = 0; img.data[i * 4 + 2] = 0; img.data[i * 4 + 3] = Math.round(v * 140); });
    o.putImageData(img, 0, 0);
    state.overlay = overlay;
    render();
    canvas.dataset.heatmapShown = '1';
    const p = document.getElementById('detector-score');
    if (p) { p.textContent = map.detector + ': probability synthetic ' + map.probability.toFixed(2); }
    draw();
  });
})();
