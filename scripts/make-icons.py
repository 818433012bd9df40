#!/usr/bin/env python3
"""Draws the app icons of the creator portal (public/icons/*.png) with nothing but the standard library.

The mark: three overlapping light circles ("many voices, one chorus") on the app's slate (#1e293b).
  icon-192.png, icon-512.png   purpose "any": a rounded square, transparent corners
  maskable-512.png             purpose "maskable": full bleed, the mark inside the 80 % safe circle
  apple-touch-icon.png         180x180, full bleed (iOS rounds the corners itself)

Run once after changing the drawing: python3 scripts/make-icons.py  (the PNGs are committed).
Edges are anti-aliased from signed distances, so no supersampling is needed.
"""
import math
import os
import struct
import zlib

BACKGROUND = (0x1E, 0x29, 0x3B)  # the theme colour
CIRCLES = [  # light tints; where they overlap they add up towards white
    ((0x7D, 0xD3, 0xFC), 0.72),
    ((0xFD, 0xE6, 0x8A), 0.72),
    ((0xFB, 0xCF, 0xE8), 0.72),
]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public", "icons")


def coverage(distance):
    """How much of a pixel lies inside a shape, from the signed distance of its centre to the edge (px)."""
    return max(0.0, min(1.0, 0.5 - distance))


def rounded_square_distance(x, y, size, radius):
    """Signed distance from (x, y) to a rounded square filling [0, size]^2 (negative inside)."""
    half = size / 2.0
    qx = abs(x - half) - (half - radius)
    qy = abs(y - half) - (half - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - radius


def draw(size, rounded, mark_scale):
    """RGBA rows of one icon."""
    centre = size / 2.0
    r = 0.22 * size * mark_scale
    spread = 0.13 * size * mark_scale
    # Three centres on a triangle around the middle, the first at the top; nudged down a little so the
    # group looks centred.
    centres = []
    for i in range(3):
        angle = -math.pi / 2 + i * 2 * math.pi / 3
        centres.append((centre + spread * math.cos(angle), centre + spread * math.sin(angle) + 0.02 * size * mark_scale))
    corner = 0.22 * size
    rows = []
    for py in range(size):
        row = bytearray()
        y = py + 0.5
        for px in range(size):
            x = px + 0.5
            if rounded:
                alpha = coverage(rounded_square_distance(x, y, size, corner))
            else:
                alpha = 1.0
            red, green, blue = (float(c) for c in BACKGROUND)
            for (cx, cy), (colour, opacity) in zip(centres, CIRCLES):
                a = opacity * coverage(math.hypot(x - cx, y - cy) - r)
                if a > 0.0:
                    red += (colour[0] - red) * a
                    green += (colour[1] - green) * a
                    blue += (colour[2] - blue) * a
            row += bytes((round(red), round(green), round(blue), round(alpha * 255)))
        rows.append(bytes(row))
    return rows


def png(rows, size):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    os.makedirs(OUT, exist_ok=True)
    icons = [
        ("icon-192.png", 192, True, 1.0),
        ("icon-512.png", 512, True, 1.0),
        # The maskable safe zone is a circle of 40 % of the size around the centre; the mark reaches 35 %
        # at scale 1.0, so it survives any mask.
        ("maskable-512.png", 512, False, 1.0),
        ("apple-touch-icon.png", 180, False, 0.9),
    ]
    for name, size, rounded, scale in icons:
        data = png(draw(size, rounded, scale), size)
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"public/icons/{name}: {size}x{size}, {len(data)} bytes")


if __name__ == "__main__":
    main()
