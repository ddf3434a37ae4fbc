"""Token-aware windows over long texts: where each window of a model's maximum length falls.

A text longer than a model reads at once is cut into windows of `size` word pieces, starting
every `stride` pieces (so neighbours overlap by `size - stride`), until one reaches the end. A
window never starts or ends inside a word, so the text of a window tokenizes to the same pieces.
The first window is the text's start: exactly what plain truncation keeps.
"""

from __future__ import annotations

from collections.abc import Sequence

Span = tuple[int, int]  # character offsets [start, end) in the text


def window_spans(
    offsets: Sequence[tuple[int, int]], words: Sequence[int | None], size: int, stride: int, length: int
) -> list[Span]:
    """Character spans of the windows of one text, from its pieces' offsets and word numbers.

    A text of at most `size` pieces is one window over the whole text.
    """
    if size < 1 or not 1 <= stride <= size:
        raise ValueError(f"need 1 <= stride <= size, got size {size}, stride {stride}")
    count = len(offsets)
    if count <= size:
        return [(0, length)]
    spans = []
    nominal = 0
    while True:
        start = nominal
        while start > 0 and words[start] is not None and words[start] == words[start - 1]:
            start -= 1  # back to the first piece of its word
        end = min(start + size, count)
        cut = end
        while cut < count and cut > start + 1 and words[cut] is not None and words[cut] == words[cut - 1]:
            cut -= 1  # end before a word that would not fit whole
        spans.append((0 if nominal == 0 else offsets[start][0], offsets[cut - 1][1]))
        if nominal + size >= count:
            return spans
        nominal += stride
