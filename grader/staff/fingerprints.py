"""Fingerprints, and what they match in the file as the student wrote it.

`grade similarity` compares canonical texts (grader.staff.canonical) with copydetect's winnowed
fingerprints; a match is then marked back in the original file a whole piece (statement, or
compound statement's header) at a time, and only on its tokens: never inside a token, never on
a comment, never on a line that every student received.
"""

from __future__ import annotations

import bisect
import hashlib
import io

import numpy as np

from grader.errors import GraderError
from grader.staff.canonical import Canonical, canonical

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


def _tokens(code: str) -> list[tuple[int, int, str, int]]:
    """(start, end, text, line) of each token of `code` that is code: no white space, no comment."""
    from pygments import token
    from pygments.lexers import PythonLexer

    lines = [0]
    for line in code.splitlines(keepends=True):
        lines.append(lines[-1] + len(line))
    found = []
    for start, kind, text in PythonLexer().get_tokens_unprocessed(code):
        if text.strip() and kind not in token.Text and kind not in token.Comment:
            found.append((start, start + len(text), text, bisect.bisect_right(lines, start) - 1))
    return found


def _piece_tokens(tokens: list[tuple[int, int, str, int]], written: Canonical) -> list[list[int]]:
    """For each piece of the canonical text, the indices of the original's tokens it came from."""
    starts = [start for start, *_ in tokens]
    return [[index for low, high in piece.origins
             for index in range(bisect.bisect_left(starts, low), bisect.bisect_left(starts, high))]
            for piece in written.pieces]


def _line_keys(tokens: list[tuple[int, int, str, int]]) -> dict[int, str]:
    """Each line's code with white space and comments left out (`defconv2d(x,w,b=None):`), by line."""
    keys: dict[int, str] = {}
    for _, _, text, line in tokens:
        keys[line] = keys.get(line, "") + text
    return keys


class Given:
    """What every student received: its fingerprints (dropped from every file) and its lines of
    code (never marked as shared)."""

    def __init__(self, code: str):
        self.hashes: list[int] = []
        self.lines: set[str] = set()
        if code.strip():
            written = canonical(code)
            self.hashes = sorted(_fingerprint(written.text, []).hashes)
            tokens = _tokens(code)
            keys = _line_keys(tokens)
            self.lines = {keys[tokens[index][3]] for indices in _piece_tokens(tokens, written) for index in indices}


class Compared:
    """One file ready to compare: the fingerprint of its canonical text and, for each piece of that
    text, the tokens of the file as written that it came from, leaving out lines every student got."""

    def __init__(self, code: str, given: Given):
        self.code = code
        written = canonical(code)
        self.fingerprint = _fingerprint(written.text, given.hashes)
        self.tokens = _tokens(code)
        keys = _line_keys(self.tokens)
        self.piece_tokens = [[index for index in indices if keys[self.tokens[index][3]] not in given.lines]
                             for indices in _piece_tokens(self.tokens, written)]
        self.piece_lines = [{self.tokens[index][3] for index in indices} for indices in self.piece_tokens]
        text = np.frombuffer(written.text.encode("utf-32-le"), dtype=np.uint32)
        self.solid = ~np.isin(text, [ord(" "), ord("\t"), ord("\n"), ord("\r")])
        solid = np.concatenate([[0], np.cumsum(self.solid)])
        self.starts = np.array([piece.start for piece in written.pieces], dtype=np.int64)
        self.ends = np.array([piece.end for piece in written.pieces], dtype=np.int64)
        self.sizes = solid[self.ends] - solid[self.starts]

    def marked(self, slices) -> np.ndarray:
        """Which pieces the matched [starts, ends] of the canonical text cover at least half of."""
        length = len(self.solid)
        change = np.zeros(length + 1, dtype=np.int64)
        np.add.at(change, np.clip(np.asarray(slices[0], dtype=np.int64), 0, length), 1)
        np.add.at(change, np.clip(np.asarray(slices[1], dtype=np.int64), 0, length), -1)
        covered = np.concatenate([[0], np.cumsum((np.cumsum(change)[:-1] > 0) & self.solid)])
        return (self.sizes > 0) & (2 * (covered[self.ends] - covered[self.starts]) >= self.sizes)

    def lines(self, marked: np.ndarray) -> int:
        """How many lines of the file hold code marked as shared."""
        return len(set().union(*(self.piece_lines[index] for index in np.flatnonzero(marked))))

    def segments(self, marked: np.ndarray) -> tuple:
        """The file cut into (text, matched) runs: the marked pieces' tokens, joined by the white
        space between two marked tokens of one line."""
        chosen = sorted({token for index in np.flatnonzero(marked) for token in self.piece_tokens[index]})
        flags = bytearray(len(self.code))
        for number, index in enumerate(chosen):
            start, end, _, line = self.tokens[index]
            if number + 1 < len(chosen) and chosen[number + 1] == index + 1 and self.tokens[index + 1][3] == line:
                end = self.tokens[index + 1][0]  # through the spaces to the next marked token
            flags[start:end] = b"\1" * (end - start)
        runs, position = [], 0
        while position < len(self.code):
            flag = flags[position]
            end = position + 1
            while end < len(self.code) and flags[end] == flag:
                end += 1
            runs.append((self.code[position:end], bool(flag)))
            position = end
        return tuple(runs)
