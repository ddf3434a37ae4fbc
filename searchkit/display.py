"""Text from documents, ids and queries made safe to show on a terminal.

Such text must never drive the terminal: an escape sequence in a title could retitle the window,
colour the screen or plant a hyperlink. Shown on one line, line breaks and tabs become spaces; in
a view of a whole text (`lines=True`) every line break becomes a newline and tabs stay. Every
other control character is shown as an escape (ESC as `\\x1b`), as are invisible format characters
that reorder or hide text and unpaired surrogates. Ordinary text, spaces included, is unchanged.
Text being edited keeps every character's position: each unsafe one shows as one visible character.
"""

from __future__ import annotations

import re

# line breaks (as str.splitlines has them) and tab
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK_OR_TAB = re.compile(f"[{_BREAKS}\t]")
_LINE_BREAK = re.compile(f"\r\n|[{_BREAKS}]")
# C0 controls, DEL, C1 controls; zero-width, direction and other invisible format characters; surrogates
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}  # Unicode's control pictures


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """`text` safe to print: on one line, or with its line breaks as newlines when `lines`."""
    if lines:
        text = _LINE_BREAK.sub("\n", text)
        return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _escape(m), text)
    return _UNSAFE.sub(_escape, _BREAK_OR_TAB.sub(" ", text))


def printable_in_place(text: str) -> str:
    """`text` on one line with each unsafe character shown as one visible character (a control picture
    such as ␛ for ESC, else �): for text being edited, where every character must keep its position."""
    text = _BREAK_OR_TAB.sub(" ", text)
    return _UNSAFE.sub(lambda m: _PICTURES.get(ord(m.group()), "\ufffd"), text)


def printable_json(text: str) -> str:
    """JSON text (as json.dumps writes it) with every unsafe character in it written as a `\\uXXXX` escape.

    Raw, they can only be in strings (newlines and tabs there are escaped already; raw ones are the
    layout's), so the JSON holds exactly the same values."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\r\t" else f"\\u{ord(m.group()):04x}", text)
