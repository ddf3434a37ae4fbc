"""Where windows fall: counts, overlaps, never inside a word, and the tokenizer's own pieces."""

from __future__ import annotations

import math

import pytest

from searchkit.encoders.windows import window_spans


def pieces(words: list[str]) -> tuple[list[tuple[int, int]], list[int], int]:
    """One piece per word, words separated by one space: (offsets, word numbers, text length)."""
    offsets, position = [], 0
    for word in words:
        offsets.append((position, position + len(word)))
        position += len(word) + 1
    return offsets, list(range(len(words))), position - 1


def test_a_text_that_fits_is_one_window_over_all_of_it() -> None:
    offsets, words, length = pieces(["a"] * 10)
    assert window_spans(offsets, words, size=10, stride=5, length=length) == [(0, length)]


@pytest.mark.parametrize(("count", "size", "stride"), [(11, 10, 5), (254 * 3, 254, 192), (1000, 254, 254), (300, 254, 1)])
def test_windows_start_every_stride_until_one_reaches_the_end(count: int, size: int, stride: int) -> None:
    offsets, words, length = pieces([f"w{i}" for i in range(count)])
    spans = window_spans(offsets, words, size, stride, length)
    assert len(spans) == 1 + math.ceil((count - size) / stride)
    assert spans[0] == (0, offsets[size - 1][1])  # the first window is what truncation keeps
    assert spans[-1][1] == length  # the last reaches the end
    for number, (start, end) in enumerate(spans[1:], start=1):
        assert start == offsets[number * stride][0] and end == offsets[min(number * stride + size, count) - 1][1]


def test_a_window_never_starts_or_ends_inside_a_word() -> None:
    # word 3 has three pieces ("tok", "##en", "##ize"), word 7 two
    offsets = [(0, 1), (2, 3), (4, 5), (6, 9), (9, 11), (11, 14), (15, 16), (17, 18), (18, 20), (21, 22)]
    words = [0, 1, 2, 3, 3, 3, 4, 5, 5, 6]
    spans = window_spans(offsets, words, size=5, stride=4, length=22)
    assert spans[0] == (0, 5)  # pieces 0-4 would cut word 3: the window ends before it
    assert spans[1][0] == 6  # piece 4 is inside word 3: the window starts at the word
    assert all(start in {0, 2, 4, 6, 15, 17, 21} for start, _ in spans)


def test_stride_must_fit_the_window() -> None:
    offsets, words, length = pieces(["a"] * 5)
    for size, stride in ((4, 0), (4, 5), (0, 1)):
        with pytest.raises(ValueError, match="stride"):
            window_spans(offsets, words, size, stride, length)


def test_the_model_tokenizer_gives_windows_of_its_length(minilm_encoders) -> None:
    encoder = minilm_encoders[1]
    text = " ".join(f"token{i % 50} is here" for i in range(400))
    (spans,) = encoder.windows([text], stride=190)
    assert encoder.max_tokens == 254 and len(spans) > 3
    tokenizer = encoder.backbone.model.tokenizer
    for start, end in spans:
        window = tokenizer(text[start:end], add_special_tokens=False)["input_ids"]
        assert len(window) <= encoder.max_tokens  # a window's text fits the model whole
    first = tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"][:254]
    assert tokenizer(text[spans[0][0] : spans[0][1]], add_special_tokens=False)["input_ids"] == first
