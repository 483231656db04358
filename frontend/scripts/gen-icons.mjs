#!/usr/bin/env node
// Draws the SWMRA app icons (a white leaf on a teal disc) and writes them as PNG files into
// public/icons/. No dependencies: pixels are computed here (4x4 supersampling for smooth
// edges) and encoded with node:zlib. Run with `npm run icons`; the output is committed.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const TEAL = [15, 118, 110]; // #0f766e
const WHITE = [255, 255, 255];

// CRC32 for PNG chunks
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Colour of a point (u, v in 0..1). `shape` is 'disc' (transparent corners) or 'square'
 * (full bleed, for maskable and Apple icons); `scale` shrinks the leaf into the safe zone.
 */
function sample(u, v, shape, scale) {
  const cx = u - 0.5;
  const cy = v - 0.5;
  const inBg = shape === 'square' || cx * cx + cy * cy <= 0.25;
  if (!inBg) return null;
  // leaf axis runs from bottom-left to top-right
  const a = Math.PI / 4;
  const x = (cx * Math.cos(a) - cy * Math.sin(a)) / scale;
  const y = (cx * Math.sin(a) + cy * Math.cos(a)) / scale;
  const R = 0.391;
  const d = 0.251;
  const inLeaf = x * x + (y - d) ** 2 <= R * R && x * x + (y + d) ** 2 <= R * R;
  const inVein = inLeaf && Math.abs(y) < 0.018 && x > -0.2 && x < 0.2;
  const inStem = !inLeaf && Math.abs(y) < 0.022 && x > -0.4 && x <= -0.25;
  if (inVein) return TEAL;
  if (inLeaf || inStem) return WHITE;
  return TEAL;
}

function draw(size, shape, scale) {
  const buf = Buffer.alloc(size * size * 4);
  const ss = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        aSum = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = sample((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size, shape, scale);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          aSum++;
        }
      }
      const i = (py * size + px) * 4;
      if (aSum) {
        buf[i] = Math.round(r / aSum);
        buf[i + 1] = Math.round(g / aSum);
        buf[i + 2] = Math.round(b / aSum);
      }
      buf[i + 3] = Math.round((aSum / (ss * ss)) * 255);
    }
  }
  return encodePng(size, buf);
}

const targets = [
  ['icon-192.png', 192, 'disc', 1],
  ['icon-512.png', 512, 'disc', 1],
  ['maskable-192.png', 192, 'square', 0.8],
  ['maskable-512.png', 512, 'square', 0.8],
  ['apple-touch-icon.png', 180, 'square', 0.85],
  ['favicon-32.png', 32, 'disc', 1],
];

mkdirSync(OUT, { recursive: true });
for (const [name, size, shape, scale] of targets) {
  const png = draw(size, shape, scale);
  writeFileSync(join(OUT, name), png);
  console.log(`${name} ${size}x${size} ${png.length} bytes`);
}
