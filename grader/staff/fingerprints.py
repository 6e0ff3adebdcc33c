"""Fingerprints, and what they match in the file as the student wrote it.

`grade similarity` compares canonical texts (grader.staff.canonical) with copydetect's winnowed
fingerprints; a match is then marked back in the original file a whole piece (statement, or
compound statement's header) at a time, and only on its tokens: never inside a token, never on
a comment, never on a line that every student received.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import re

import numpy as np

from grader.errors import GraderError
from grader.staff.canonical import canonical, line_starts, plain_lines

NOISE = 25  # copydetect's defaults: matches shorter than NOISE characters of filtered code are
GUARANTEE = 30  # ignored, every match of at least GUARANTEE is found (window GUARANTEE - NOISE + 1)


def copydetect():
    try:
        import copydetect
        import copydetect.utils
    except ImportError:
        raise GraderError('grade similarity needs copydetect: pip install -c constraints.txt -e ".[similarity]"') from None
    # copydetect hashes k-grams with hash(), which Python salts anew in every process: the same
    # class would get other figures on every run. A stable 64-bit hash keeps them deterministic.
    copydetect.utils.hashed_kgrams = stable_kgram_hashes
    return copydetect


def stable_kgram_hashes(string: str, k: int):
    """The hashes of every k-gram of `string`, the same in every process (blake2b, 64 bits)."""
    return np.array([int.from_bytes(hashlib.blake2b(string[offset:offset + k].encode("utf-8", "surrogatepass"),
                                                    digest_size=8).digest(), "little", signed=True)
                     for offset in range(len(string) - k + 1)], dtype=np.int64)


def _fingerprint(text: str, boilerplate: list[int]):
    return copydetect().CodeFingerprint("code.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=boilerplate,
                                         language="python", fp=io.StringIO(text))


_STRING_OR_COMMENT = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|#.*""")


def line_key(line: str) -> str:
    """A line's code without white space or its comment (`defconv2d(x,w,b=None):`): the same line
    in two files however it is spaced or commented."""
    return "".join(_STRING_OR_COMMENT.sub(lambda found: found[1] or "", line).split())


class _Lines:
    """Where each line of a text starts, and each line's key."""

    def __init__(self, text: str):
        self.starts = line_starts(text)
        self.keys = [line_key(text[start:end]) for start, end in zip(self.starts, self.starts[1:])]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def spanned(self, text: str, spans) -> set[int]:
        """The lines that hold code of the spans (their white space at either end left out)."""
        found: set[int] = set()
        for start, end in spans:
            while end > start and text[end - 1].isspace():
                end -= 1
            while start < end and text[start].isspace():
                start += 1
            if start < end:
                found.update(line for line in range(self.of(start), self.of(end - 1) + 1)
                             if line < len(self.keys) and self.keys[line])
        return found


class Given:
    """What every student received: its fingerprints (dropped from every file) and its lines of
    code (never marked as shared)."""

    def __init__(self, code: str):
        self.hashes: list[int] = []
        self.lines: set[str] = set()
        code = plain_lines(code)
        if code.strip():
            written = canonical(code)
            self.hashes = sorted(_fingerprint(written.text, []).hashes)
            lines = _Lines(code)
            self.lines = {lines.keys[line] for piece in written.pieces for line in lines.spanned(code, piece.origins)}


class Compared:
    """One file ready to compare: the fingerprint of its canonical text and, for each piece of that
    text, the lines of the file as written that it came from, leaving out lines every student got."""

    def __init__(self, code: str, given: Given):
        self.code = code = plain_lines(code)
        self.written = canonical(code)
        self.fingerprint = _fingerprint(self.written.text, given.hashes)
        self.lines_of = _Lines(code)
        self.piece_lines = [{line for line in self.lines_of.spanned(code, piece.origins)
                             if self.lines_of.keys[line] not in given.lines} for piece in self.written.pieces]
        text = np.frombuffer(self.written.text.encode("utf-32-le"), dtype=np.uint32)
        self.solid = np.concatenate([[0], np.cumsum(~np.isin(text, [ord(" "), ord("\t"), ord("\n"), ord("\r")]))])
        self.starts = np.array([piece.start for piece in self.written.pieces], dtype=np.int64)
        self.ends = np.array([piece.end for piece in self.written.pieces], dtype=np.int64)
        self.sizes = self.solid[self.ends] - self.solid[self.starts]

    def marked(self, slices) -> np.ndarray:
        """Which pieces the matched [starts, ends] of the canonical text (disjoint, from copydetect)
        cover at least half of, counting characters that are not white space."""
        length = len(self.solid) - 1
        low = np.maximum.outer(self.starts, np.clip(np.asarray(slices[0], dtype=np.int64), 0, length))
        high = np.minimum.outer(self.ends, np.clip(np.asarray(slices[1], dtype=np.int64), 0, length))
        hits = (self.solid[np.maximum(high, low)] - self.solid[low]).sum(axis=1)
        return (self.sizes > 0) & (2 * hits >= self.sizes)

    def lines(self, marked: np.ndarray) -> int:
        """How many lines of the file hold code marked as shared."""
        return len(set().union(*(self.piece_lines[index] for index in np.flatnonzero(marked))))

    @functools.cached_property
    def tokens(self) -> list[tuple[int, int, int]]:
        """(start, end, line) of each token of the file that is code: no white space, no comment.
        Only the pairs drawn side by side need them."""
        import tokenize

        starts, skipped = self.lines_of.starts, {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                                 tokenize.DEDENT, tokenize.ENDMARKER}
        try:
            return [(starts[token.start[0] - 1] + token.start[1], starts[token.end[0] - 1] + token.end[1], token.start[0] - 1)
                    for token in tokenize.generate_tokens(io.StringIO(self.code).readline)
                    if token.type not in skipped and token.string.strip()]
        except (tokenize.TokenError, SyntaxError):  # not Python (a syntax error): Pygments tokenises anything
            from pygments import token
            from pygments.lexers import PythonLexer

            return [(start, start + len(text), self.lines_of.of(start))
                    for start, kind, text in PythonLexer().get_tokens_unprocessed(self.code)
                    if text.strip() and kind not in token.Text and kind not in token.Comment]

    def segments(self, marked: np.ndarray) -> tuple:
        """The file cut into (text, matched) runs: the tokens of the marked pieces, on lines not every
        student got, joined by the white space between two marked tokens of one line."""
        tokens = self.tokens
        starts = [start for start, _, _ in tokens]
        lines = set().union(*(self.piece_lines[index] for index in np.flatnonzero(marked)))
        chosen = sorted({index for piece in np.flatnonzero(marked) for low, high in self.written.pieces[piece].origins
                         for index in range(bisect.bisect_left(starts, low), bisect.bisect_left(starts, high))
                         if tokens[index][2] in lines})
        flags = bytearray(len(self.code))
        for number, index in enumerate(chosen):
            start, end, line = tokens[index]
            if number + 1 < len(chosen) and chosen[number + 1] == index + 1 and tokens[index + 1][2] == line:
                end = tokens[index + 1][0]  # through the spaces to the next marked token
            flags[start:end] = b"\1" * (end - start)
        return tuple((self.code[run.start():run.end()], run[0][0] == 1) for run in re.finditer(rb"\x00+|\x01+", bytes(flags)))

