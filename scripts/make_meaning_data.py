"""Build kodoku_search/data/meaning/ from the chiVe word vectors that ship in ja-ginza.

    pip download --no-deps ja-ginza==5.3.0 -d /tmp/ginza
    python scripts/make_meaning_data.py /tmp/ginza/ja_ginza-5.3.0-py3-none-any.whl

Needs numpy and msgpack (this script only: the search engine reads the result
with the standard library). ja-ginza 5.3.0 carries chiVe (Works Applications,
Apache License 2.0) pruned to 20,000 vectors of 300 dimensions, with 480,443
words each mapped to one of them (a rare word to its nearest kept vector).

Writes:
  vectors.i8  "KSV1", rows (u32), dims (u32), then rows × dims int8: each vector
              scaled so its largest component is ±127 (cosine survives the scale)
  keys.bin    "KSK1", n (u32), then n sorted u32 keys (zlib.crc32 of the word's
              UTF-8), then n u16 rows: a word's vector is found by binary search
  MANIFEST    the sha256 of both: the index's fingerprint reads this small file,
              not 8.5 MB, on every search (a change to the data rebuilds the index)
Only words written in kana and kanji (at most 12 characters) are kept: the
query words they serve are Janome base forms of Japanese text. Keys that two
words share (crc32 collisions) are dropped, so a key never answers for the
wrong word it collided with.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "kodoku_search" / "data" / "meaning"
JAPANESE = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff\u3005]{1,12}$")
VOCAB = "ja_ginza/ja_ginza-5.3.0/vocab/"


def murmur64a(data: bytes, seed: int = 1) -> int:
    """spaCy's string hash (MurmurHash64A, seed 1): how key2row names a word."""
    m, r, mask = 0xC6A4A7935BD1E995, 47, 0xFFFFFFFFFFFFFFFF
    n = len(data)
    h = (seed ^ ((n * m) & mask)) & mask
    for i in range(n // 8):
        k = int.from_bytes(data[i * 8:i * 8 + 8], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h ^= k
        h = (h * m) & mask
    rem = n & 7
    if rem:
        tail = data[n - rem:]
        for i in range(rem - 1, -1, -1):
            h ^= tail[i] << (8 * i)
        h = (h * m) & mask
    h ^= h >> r
    h = (h * m) & mask
    h ^= h >> r
    return h


def main(wheel: str) -> int:
    import msgpack
    import numpy as np

    with zipfile.ZipFile(wheel) as z:
        key2row = msgpack.unpackb(z.read(VOCAB + "key2row"), strict_map_key=False)
        strings = json.loads(z.read(VOCAB + "strings.json"))
        vectors = np.load(io.BytesIO(z.read(VOCAB + "vectors")))
    rows, dims = vectors.shape
    scale = np.abs(vectors).max(axis=1, keepdims=True)
    q8 = np.clip(np.round(vectors / np.maximum(scale, 1e-9) * 127), -127, 127).astype(np.int8)

    by_key: dict[int, int] = {}
    seen: set[int] = set()
    for word in strings:
        if not JAPANESE.match(word):
            continue
        row = key2row.get(murmur64a(word.encode("utf-8")))
        if row is None:
            continue
        key = zlib.crc32(word.encode("utf-8"))
        if key in seen:
            by_key.pop(key, None)  # a collision: neither word may answer for the other
            continue
        seen.add(key)
        by_key[key] = int(row)
    keys = sorted(by_key)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "vectors.i8", "wb") as f:
        f.write(b"KSV1" + struct.pack("<II", rows, dims))
        f.write(q8.tobytes())
    with open(OUT / "keys.bin", "wb") as f:
        f.write(b"KSK1" + struct.pack("<I", len(keys)))
        f.write(np.array(keys, dtype="<u4").tobytes())
        f.write(np.array([by_key[k] for k in keys], dtype="<u2").tobytes())
    with open(OUT / "MANIFEST", "w", encoding="utf-8") as f:
        for name in ("keys.bin", "vectors.i8"):
            f.write(f"{hashlib.sha256((OUT / name).read_bytes()).hexdigest()}  {name}\n")
    print(f"{len(keys)} words → {rows} vectors × {dims} dims; {len(seen) - len(keys)} colliding keys dropped")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
