"""Vietnamese text helpers: accent-insensitive search keys and Vietnamese collation.

Search keys let "ung hoa", "UNG HOA" and "Ứng Hòa" meet on the same string; sort keys order names the
way a Vietnamese reader expects (a < ă < â < b … d < đ …, then tones), whatever the database collation.
"""

from __future__ import annotations

import re
import unicodedata

_TONE_MARKS = {
    "\u0300": 1,  # huyền
    "\u0309": 2,  # hỏi
    "\u0303": 3,  # ngã
    "\u0301": 4,  # sắc
    "\u0323": 5,  # nặng
}
_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}  # breve, circumflex, horn
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Vietnamese alphabet order; f, j, w, z (foreign words) take their Latin places.
_ALPHABET = [
    "a", "a\u0306", "a\u0302", "b", "c", "d", "đ", "e", "e\u0302", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "o\u0302", "o\u031b", "p", "q", "r", "s", "t", "u", "u\u031b", "v", "w", "x", "y", "z",
]  # fmt: skip
# Every code is two digits so that the key compares the same under any database collation:
# 00 separates the letters from the tones, 01 is a space, 02–11 the digits, 12… the letters.
_LETTER_CODE = {letter: f"{12 + i:02d}" for i, letter in enumerate(_ALPHABET)}
_DIGIT_CODE = {str(d): f"{2 + d:02d}" for d in range(10)}


def search_key(text: str | None) -> str:
    """Lower-case ASCII words separated by single spaces: "Ứng Hòa" -> "ung hoa"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", stripped).strip()


def padded_search_key(text: str | None) -> str:
    """The search key with a space on each side, so " hoa " matches a whole word and " hoa" a prefix."""
    key = search_key(text)
    return f" {key} " if key else ""


def search_terms(query: str | None, *, max_terms: int = 8) -> list[str]:
    """The distinct words of a query as search keys, at most `max_terms` of them."""
    terms: list[str] = []
    for word in search_key(query).split():
        if word not in terms:
            terms.append(word)
    return terms[:max_terms]


def _split_letter(ch: str) -> tuple[str, int]:
    """One character -> (base letter with its vowel mark, tone number)."""
    decomposed = unicodedata.normalize("NFD", ch.lower())
    base = decomposed[:1]
    tone = 0
    marks = ""
    for mark in decomposed[1:]:
        if mark in _TONE_MARKS:
            tone = _TONE_MARKS[mark]
        elif mark in _LETTER_MARKS:
            marks += mark
    return base + marks, tone


def vietnamese_sort_key(text: str | None) -> str:
    """A digits-only key that sorts Vietnamese text in dictionary order.

    Letters first (with ă, â, đ, ê, ô, ơ, ư as letters of their own), then tones
    (none < huyền < hỏi < ngã < sắc < nặng) as a tie-breaker. Other characters count as spaces.
    """
    if not text:
        return ""
    primary: list[str] = []
    tones: list[str] = []
    previous_space = True
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            primary.append(_LETTER_CODE["đ"])
            tones.append("0")
            previous_space = False
            continue
        letter, tone = _split_letter(ch)
        code = _LETTER_CODE.get(letter) or _DIGIT_CODE.get(letter)
        if code is None and letter[:1] in _LETTER_CODE:
            code = _LETTER_CODE[letter[:1]]
        if code is None:
            if not previous_space:
                primary.append("01")
                tones.append("0")
            previous_space = True
            continue
        primary.append(code)
        tones.append(str(tone))
        previous_space = False
    while primary and primary[-1] == "01":
        primary.pop()
        tones.pop()
    return "".join(primary) + "00" + "".join(tones)


def vietnamese_number(value: float, decimals: int | None = None) -> str:
    """12.345 and 3,5 as a Vietnamese reader writes them (a whole number without decimals; a fraction with
    `decimals` places, one by default)."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")
