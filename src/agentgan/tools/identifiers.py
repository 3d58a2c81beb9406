"""Identifier columns learned from seed values and regenerated outside the GAN.

A column of distinct strings such as `C0001` or `7590-VHVEG` carries no distribution a GAN
can learn: it is an identifier. `learn_pattern` reads the seed values into one of two
patterns, and `make_identifiers` draws new values in that pattern that never equal a seed
value:

- "sequence": one shared prefix and a number (`C0001`, `INV-042`, or a plain integer);
  new values continue after the largest seed number, so they are unique by construction
  and continue across chunks through `start`;
- "positional": values of one length; each position is either a character shared by every
  seed value or a character class (digits, upper case, lower case) drawn at random.
  Repeats inside one call are redrawn; seed values are excluded by their hash.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

_SEQUENCE = re.compile(r"^(.*?)(\d+)$")
_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
REDRAW_ROUNDS = 20
"""Times a repeated random identifier is redrawn before it is left for the validator."""


def learn_pattern(values: pd.Series, *, integer: bool = False) -> dict[str, Any]:
    """Describe the pattern of distinct seed identifiers as a JSON-serializable dict."""
    present = values.dropna()
    if integer or pd.api.types.is_numeric_dtype(present):
        numbers = pd.to_numeric(present, errors="coerce").dropna().astype("int64")
        return {
            "kind": "sequence",
            "prefix": "",
            "width": 0,
            "next": int(numbers.max()) + 1,
            "integer": True,
        }

    text = present.astype(str)
    matches = text.str.extract(_SEQUENCE)
    if matches[1].notna().all() and matches[0].nunique() == 1:
        digits = matches[1]
        widths = digits.str.len()
        padded = bool((digits.str.startswith("0") & (widths > 1)).any())
        width = int(widths.max()) if padded or widths.nunique() == 1 else 0
        return {
            "kind": "sequence",
            "prefix": str(matches[0].iloc[0]),
            "width": width,
            "next": int(digits.astype("int64").max()) + 1,
            "integer": False,
        }

    lengths = text.str.len()
    common = int(lengths.mode().iloc[0])
    same_length = text[lengths == common]
    positions = []
    for index in range(common):
        chars = set(same_length.str[index])
        if len(chars) == 1:
            positions.append({"literal": chars.pop()})
        else:
            positions.append({"alphabet": _alphabet(chars)})
    hashes = pd.util.hash_array(text.to_numpy(dtype=object)).tolist()
    return {"kind": "positional", "positions": positions, "seed_hashes": [int(h) for h in hashes]}


def positions_regex(positions: list[dict[str, str]]) -> str:
    r"""Return an anchored regular expression that matches every value of a positional pattern.

    Runs of one class are counted, so `7590-VHVEG` gives `^[0-9]{4}\-[A-Z]{5}$`.
    """
    parts: list[tuple[str, int]] = []
    for position in positions:
        if "literal" in position:
            piece = re.escape(position["literal"])
        else:
            piece = "[" + _class_body(position["alphabet"]) + "]"
        if parts and parts[-1][0] == piece:
            parts[-1] = (piece, parts[-1][1] + 1)
        else:
            parts.append((piece, 1))
    body = "".join(piece if times == 1 else f"{piece}{{{times}}}" for piece, times in parts)
    return f"^{body}$"


def _class_body(alphabet: str) -> str:
    """Build the inside of a [...] class for an alphabet, with whole groups as ranges (`0-9`)."""
    body = ""
    for group, span in ((_DIGITS, "0-9"), (_UPPER, "A-Z"), (_LOWER, "a-z")):
        if group in alphabet:
            body += span
            alphabet = alphabet.replace(group, "")
    escaped = ("\\" + char if char in "\\]^-[" else char for char in alphabet)
    return body + "".join(escaped)


def _alphabet(chars: set[str]) -> str:
    """Smallest union of digit, upper-case and lower-case classes covering `chars`."""
    alphabet = ""
    for group in (_DIGITS, _UPPER, _LOWER):
        if chars & set(group):
            alphabet += group
    others = "".join(sorted(c for c in chars if c not in alphabet))
    return alphabet + others


def make_identifiers(
    pattern: dict[str, Any], count: int, rng: np.random.Generator, *, start: int = 0
) -> pd.Series:
    """Return `count` new identifiers in `pattern`, none equal to a seed value.

    Args:
        pattern: A dict from `learn_pattern`.
        count: Number of values.
        rng: Random generator for positional patterns.
        start: Index of the first row, so that sequences continue across chunks.
    """
    if pattern["kind"] == "sequence":
        numbers = np.arange(
            pattern["next"] + start, pattern["next"] + start + count, dtype=np.int64
        )
        if pattern.get("integer"):
            return pd.Series(numbers, dtype="int64")
        text = pd.Series(numbers).astype(str)
        if pattern["width"]:
            text = text.str.zfill(pattern["width"])
        return (pattern["prefix"] + text).astype(object)

    values = _draw_positional(pattern["positions"], count, rng)
    seed_hashes = np.asarray(pattern.get("seed_hashes", []), dtype=np.uint64)
    for _ in range(REDRAW_ROUNDS):
        hashes = pd.util.hash_array(values)
        bad = pd.Series(hashes).duplicated().to_numpy() | np.isin(hashes, seed_hashes)
        if not bad.any():
            break
        values[bad] = _draw_positional(pattern["positions"], int(bad.sum()), rng)
    return pd.Series(values, dtype=object)


def _draw_positional(
    positions: list[dict[str, str]], count: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw `count` strings position by position as one byte matrix."""
    width = len(positions)
    codes = np.empty((count, width), dtype=np.uint8)
    for index, position in enumerate(positions):
        if "literal" in position:
            codes[:, index] = (
                ord(position["literal"][0]) if position["literal"].isascii() else ord("?")
            )
            continue
        alphabet = np.frombuffer(position["alphabet"].encode("ascii", "replace"), dtype=np.uint8)
        codes[:, index] = alphabet[rng.integers(0, len(alphabet), size=count)]
    joined = codes.view(f"S{width}").ravel() if width else np.full(count, b"", dtype="S1")
    return joined.astype(str).astype(object)
