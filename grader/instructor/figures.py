"""Pictures made from arrays, for the notebooks: small PNGs written with the standard library.

Each array element becomes a square cell shaded by its value (white for the smallest, dark
for the largest), with the value written in it when the values are small integers. No
plotting library: the notebooks carry the PNG bytes as cell attachments.
"""

from __future__ import annotations

import struct
import zlib

# A 3x5 pixel font for the digits (and the minus sign), one string of 15 bits per glyph.
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", "-": "000000111000000",
}
_INK, _PAPER, _GRID = (31, 35, 40), (255, 255, 255), (190, 198, 206)


def array_png(array, *, cell: int = 34) -> bytes:
    """A PNG of a 2-D array: shaded cells with a grid, values written in when they are small integers."""
    import numpy as np

    values = np.asarray(array, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"array_png draws 2-D arrays; got shape {values.shape}: pick one plane, e.g. x[0, 0]")
    low, high = min(values.min(), 0.0), values.max()
    scale = (values - low) / (high - low) if high > low else np.zeros_like(values)
    labels = values.astype(int).astype(str) if np.all(values == np.round(values)) and np.abs(values).max() < 1000 else None
    rows, columns = values.shape
    height, width = rows * cell + 1, columns * cell + 1
    image = np.full((height, width, 3), _GRID, dtype=np.uint8)
    for i in range(rows):
        for j in range(columns):
            shade = np.array(_PAPER) + scale[i, j] * (np.array((40, 70, 140)) - np.array(_PAPER))
            top, left = i * cell + 1, j * cell + 1
            image[top:top + cell - 1, left:left + cell - 1] = shade.astype(np.uint8)
            if labels is not None:
                ink = _PAPER if scale[i, j] > 0.5 else _INK
                _write(image, labels[i, j], top, left, cell - 1, ink)
    return _encode(image)


def _write(image, text: str, top: int, left: int, size: int, ink) -> None:
    """Digits as large as the cell allows (a glyph is 3x5 pixels plus a space, times `zoom`)."""
    zoom = max(1, min(size // 8, (size - 4) // (4 * len(text) - 1)))
    width = (4 * len(text) - 1) * zoom
    y0, x0 = top + (size - 5 * zoom) // 2, left + (size - width) // 2
    for position, char in enumerate(text):
        bits = _GLYPHS.get(char)
        if bits is None:
            continue
        for index, bit in enumerate(bits):
            if bit == "1":
                y, x = y0 + (index // 3) * zoom, x0 + (position * 4 + index % 3) * zoom
                image[y:y + zoom, x:x + zoom] = ink


def _encode(image) -> bytes:
    """RGB uint8 (H, W, 3) as PNG bytes."""
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
