"""Saves the X screen ($DISPLAY) as a PNG and prints how many colours it holds.

   python3 screenshot.py out.png

Runs under Debian's /usr/bin/python3 with python3-xlib (already a test dependency) and writes the PNG with zlib, so the install test
needs no image tool.
"""
import struct
import sys
import zlib

from Xlib import X, display

screen = display.Display().screen()
width, height = screen.width_in_pixels, screen.height_in_pixels
raw = screen.root.get_image(0, 0, width, height, X.ZPixmap, 0xFFFFFFFF).data
rows, colours = [], set()
for y in range(height):
    line = raw[y * width * 4:(y + 1) * width * 4]
    rgb = bytearray()
    for x in range(0, len(line), 4):
        b, g, r = line[x], line[x + 1], line[x + 2]
        rgb += bytes((r, g, b))
        colours.add((r, g, b))
    rows.append(b"\0" + bytes(rgb))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


with open(sys.argv[1], "wb") as out:
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
    out.write(chunk(b"IDAT", zlib.compress(b"".join(rows), 6)))
    out.write(chunk(b"IEND", b""))
print(len(colours))
