"""Quantities written as text by another system: "4", "approx. 200 boxes", "1,500 pieces", "a dozen".

A text is understood when it names exactly one whole number, possibly after a word of approximation and before a
unit; anything else (a range, a fraction, no number, two numbers) is flagged for a coordinator to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_APPROX = r"(?:approx\.?|approximately|about|around|circa|ca\.?|c\.|some|roughly|~|≈|\+/-|omkring|cirka|ca)"
_NUMBER = r"(\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+|\d+)"
_PATTERN = re.compile(rf"^\s*(?:{_APPROX}\s*)?{_NUMBER}(?:\s+[^\d\s][^\d]*)?\s*$", re.IGNORECASE)
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "a dozen": 12, "dozen": 12, "twenty": 20, "fifty": 50, "a hundred": 100,
    "hundred": 100,
}  # fmt: skip
_WORD = re.compile(
    rf"^\s*(?:{_APPROX}\s*)?({'|'.join(sorted(map(re.escape, _WORDS), key=len, reverse=True))})\b(?:\s+[^\d]*)?$",
    re.IGNORECASE,
)
MAX = 2_000_000_000


@dataclass(frozen=True)
class Reading:
    quantity: int | None  # None: flagged
    approximate: bool = False


def read_quantity(text: str) -> Reading:
    text = (text or "").strip()
    if not text or len(text) > 300:
        return Reading(None)
    approximate = bool(re.match(rf"^\s*{_APPROX}", text, re.IGNORECASE))
    match = _PATTERN.match(text)
    if match:
        digits = re.sub(r"[ ,.\u00a0\u202f]", "", match.group(1))
        value = int(digits)
        return Reading(value, approximate) if 0 < value <= MAX else Reading(None)
    word = _WORD.match(text)
    if word:
        return Reading(_WORDS[word.group(1).lower()], approximate)
    return Reading(None)
