"""Janome's tokenizer without Janome's start-up cost.

``import janome.tokenizer`` builds Python lists from two 5 MB source files of
connection costs, base64-decodes the dictionary's FST and imports twenty index
modules: about 120 ms and 90 MB before the first word, and more to free them at
exit. The data itself never changes, so ``build_cache`` (run while an index is
built, when full Janome is loaded anyway) writes it once in binary form, and
``LiteTokenizer`` memory-maps it back in a few milliseconds.

The tokenizing itself is Janome's: its Lattice, FST Matcher and MMapDictionary
classes, fed the same data, driven by a copy of ``Tokenizer.__tokenize_partial``
(Janome 0.5, Apache-2.0, © moco_beta) without the user-dictionary branch.

One change, made in the copy (``_Lattice``) so that both tokenizers here share it:
an unknown word of hiragana is at most ``HIRAGANA_UNKNOWN_MAX`` characters.
Janome groups a whole run of hiragana into one unknown noun where no dictionary
word starts, and in a sentence typed the way people speak that run is cheaper
than the real words: 「広すぎてどこまでやればいいかわからない」 came out as
広 / す / ぎてどこまでやればいいかわからない, a "noun" no snippet contains.
Capped, it reads 広 / すぎ / て / どこ / まで / …; unknown hiragana words that
are real (ぷらっと) are short. Katakana, alphabet and digits still group
without limit (an unknown katakana name stays one word). Tests check the tokens are
Janome's own wherever the cap does not apply.
"""

from __future__ import annotations

import marshal
import mmap
import os
from array import array
from pathlib import Path
from typing import Iterator, NamedTuple

MAX_CHUNK_SIZE = 1024  # as janome.tokenizer.Tokenizer
CHUNK_SIZE = 500
HIRAGANA_UNKNOWN_MAX = 4  # longest unknown word made of hiragana (see above)
META = "meta.marshal"


_CACHE_DIR: list = [None]  # the cache of the index in use, set when it is opened


def use_janome_cache(directory) -> None:
    """Tokenize from this cache from now on (same tokens, a fraction of the start-up)."""
    _CACHE_DIR[0] = directory


def cache_dir():
    return _CACHE_DIR[0]


class LiteToken(NamedTuple):
    surface: str
    part_of_speech: str
    base_form: str
    reading: str


def _janome_version() -> str:
    from janome.version import JANOME_VERSION

    return JANOME_VERSION


def build_cache(directory: Path) -> None:
    """Write Janome's system dictionary data in a form that loads by mmap."""
    import importlib

    import janome.sysdic as sd

    directory.mkdir(parents=True, exist_ok=True)
    fst = sd.all_fstdata()
    for i, blob in enumerate(fst):
        (directory / f"fst{i}.bin").write_bytes(blob)
    conn = sd.connections
    rows, cols = len(conn), len(conn[0])
    flat = array("i")
    for row in conn:
        flat.extend(row)
    (directory / "connections.bin").write_bytes(flat.tobytes())
    from janome.sysdic import entries_buckets

    offsets = {}
    for kind in ("compact", "extra"):
        for i in range(10):
            idx = importlib.import_module(f"janome.sysdic.entries_{kind}{i}_idx").DATA
            (directory / f"{kind}{i}.idx").write_bytes(array("I", idx["positions"]).tobytes())
            offsets[f"{kind}{i}"] = idx["offset"]
    from janome.sysdic import chardef, unknowns

    meta = {
        "janome": _janome_version(),
        "sysdic": os.path.dirname(os.path.abspath(sd.__file__)),
        "fst": len(fst),
        "rows": rows,
        "cols": cols,
        "buckets": [tuple(entries_buckets.DATA[i]) for i in range(10)],
        "offsets": offsets,
        "chardef": chardef.DATA,
        "unknowns": unknowns.DATA,
    }
    (directory / META).write_bytes(marshal.dumps(meta))


def _map(path: Path) -> mmap.mmap:
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


class _Lattice:
    """Janome's lattice search over ``self.sys_dic`` and ``self.matcher``."""

    sys_dic: object
    matcher: object
    max_unknown_length = 1024  # as Janome
    unknown_caps = {"HIRAGANA": HIRAGANA_UNKNOWN_MAX}  # category → longest grouped unknown word

    def tokenize(self, text: str) -> Iterator[LiteToken]:
        text = text.strip()
        processed = 0
        while processed < len(text):
            tokens, pos = self._tokenize_partial(text[processed:])
            yield from tokens
            processed += pos

    def _tokenize_partial(self, text: str) -> tuple[list[LiteToken], int]:
        from janome.lattice import BOS, EOS, Lattice, Node, NodeType, SurfaceNode

        sys_dic = self.sys_dic
        chunk_size = min(len(text), MAX_CHUNK_SIZE)
        lattice = Lattice(chunk_size, sys_dic)
        pos = 0
        while not _should_split(text, pos):
            encoded = text[pos:pos + min(50, chunk_size - pos)].encode("utf-8")
            entries = sys_dic.lookup(encoded, self.matcher)
            for e in entries:
                lattice.add(SurfaceNode(e, NodeType.SYS_DICT))
            matched = len(entries) > 0
            cates = sys_dic.get_char_categories(text[pos])
            if cates:
                for cate in cates:
                    if matched and not sys_dic.unknown_invoked_always(cate):
                        continue
                    length = (
                        sys_dic.unknown_length(cate) if not sys_dic.unknown_grouping(cate)
                        else self.unknown_caps.get(cate, self.max_unknown_length)
                    )
                    buf = text[pos]
                    for p in range(pos + 1, min(chunk_size, pos + length + 1)):
                        _cates = sys_dic.get_char_categories(text[p])
                        if cate in _cates or any(cate in compat for compat in _cates.values()):
                            buf += text[p]
                        else:
                            break
                    for entry in sys_dic.unknowns.get(cate):
                        left_id, right_id, cost, part_of_speech = entry
                        dummy = (buf, left_id, right_id, cost, part_of_speech, "*", "*", buf, "*", "*")
                        lattice.add(Node(dummy, NodeType.UNKNOWN))
            pos += lattice.forward()
        lattice.end()
        path = lattice.backward()
        assert isinstance(path[0], BOS) and isinstance(path[-1], EOS)
        tokens = []
        for node in path[1:-1]:
            if type(node) is SurfaceNode and node.node_type is NodeType.SYS_DICT:
                extra = sys_dic.lookup_extra(node.num)
                tokens.append(LiteToken(node.surface, extra[0], extra[3], extra[4]))
            else:
                tokens.append(LiteToken(node.surface, node.part_of_speech, node.base_form, node.reading))
        return tokens, pos


class FullTokenizer(_Lattice):
    """Janome's own dictionary, loaded the usual way, driven by the lattice above
    (used while building, before the cache exists)."""

    def __init__(self):
        from janome.tokenizer import Tokenizer

        janome = Tokenizer()
        self.sys_dic, self.matcher = janome.sys_dic, janome.matcher


class LiteTokenizer(_Lattice):
    """Tokenizes as ``FullTokenizer`` does, from a cache: no Janome start-up."""

    def __init__(self, directory: Path):
        from janome.dic import MMapDictionary, UnknownsDictionary
        from janome.fst import Matcher

        meta = marshal.loads((directory / META).read_bytes())
        if meta["janome"] != _janome_version():
            raise ValueError("the cache was written by another Janome version")
        self._maps = []
        conn = memoryview(self._keep(_map(directory / "connections.bin"))).cast("i")
        cols = meta["cols"]
        connections = [conn[r * cols:(r + 1) * cols] for r in range(meta["rows"])]
        sysdic = meta["sysdic"]
        compact, extra, files = {}, {}, []
        for i, bucket in enumerate(meta["buckets"]):
            for kind, target in (("compact", compact), ("extra", extra)):
                positions = memoryview(self._keep(_map(directory / f"{kind}{i}.idx"))).cast("I")
                entries = self._keep(_map(Path(sysdic) / f"entries_{kind}{i}.py"))
                target[bucket] = (entries, {"offset": meta["offsets"][f"{kind}{i}"], "positions": positions})

        class _SysDic(MMapDictionary, UnknownsDictionary):
            def __init__(self):
                MMapDictionary.__init__(self, compact, extra, files, connections)
                UnknownsDictionary.__init__(self, meta["chardef"], meta["unknowns"])

        self.sys_dic = _SysDic()
        # Memory-mapped, not read: Janome's Matcher indexes and slices its data (an mmap
        # gives the same ints and bytes) and keys an lru_cache on it, which hashes a
        # bytes object of megabytes on the first lookup but an mmap by identity.
        self.matcher = Matcher([self._keep(_map(directory / f"fst{i}.bin")) for i in range(meta["fst"])])

    def _keep(self, m: mmap.mmap) -> mmap.mmap:
        self._maps.append(m)
        return m


def _should_split(text: str, pos: int) -> bool:
    return pos >= len(text) or pos >= MAX_CHUNK_SIZE or (pos >= CHUNK_SIZE and _splittable(text[:pos]))


def _splittable(text: str) -> bool:
    return text[-1] in "、。,.？?！!" or text.endswith("\n\n") or text.endswith("\r\n\r\n")
