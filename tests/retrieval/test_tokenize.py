from __future__ import annotations

import json

import pytest

from searchkit.retrieval.tokenize import ENGLISH_STOPWORDS, Tokenizer


def test_default_lowercases_and_splits_on_non_alphanumerics() -> None:
    assert Tokenizer()("Hello, World! It's  a test.") == ["hello", "world", "it", "s", "a", "test"]


def test_digits_and_hyphenated_codes_split_at_punctuation() -> None:
    # Letters and digits stay together; hyphens, dots and underscores split.
    assert Tokenizer()("E-4471") == ["e", "4471"]
    assert Tokenizer()("IL-6 and TNF-α, p<0.05") == ["il", "6", "and", "tnf", "α", "p", "0", "05"]
    assert Tokenizer()("snake_case CD4+ covid19") == ["snake", "case", "cd4", "covid19"]


def test_unicode_letters_are_kept() -> None:
    assert Tokenizer()("Café DÉJÀ-vu naïve Ελληνικά Москва") == [
        "café",
        "déjà",
        "vu",
        "naïve",
        "ελληνικά",
        "москва",
    ]


def test_empty_and_punctuation_only() -> None:
    assert Tokenizer()("") == []
    assert Tokenizer()(" -- !!! ___ ") == []


def test_lowercase_off_keeps_case() -> None:
    assert Tokenizer(lowercase=False)("DNA repair") == ["DNA", "repair"]


def test_english_stopwords() -> None:
    tok = Tokenizer(stopwords="english")
    assert tok("The effect of the drug is not known") == ["effect", "drug", "known"]
    assert "the" in ENGLISH_STOPWORDS and "effect" not in ENGLISH_STOPWORDS


def test_stopwords_match_case_insensitively_when_not_lowercasing() -> None:
    assert Tokenizer(lowercase=False, stopwords="english")("The DNA") == ["DNA"]


def test_custom_stopwords() -> None:
    assert Tokenizer(stopwords=frozenset({"cell"}))("cell cells cell") == ["cells"]


def test_stemming_applies_after_stopwords() -> None:
    tok = Tokenizer(stemmer="english", stopwords="english")
    assert tok("The running cells were studied") == ["run", "cell", "were", "studi"]


def test_invalid_settings_raise() -> None:
    with pytest.raises(ValueError):
        Tokenizer(stopwords="klingon")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Tokenizer(stemmer="klingon")
    with pytest.raises(TypeError):
        Tokenizer(stopwords={"a"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "tok",
    [
        Tokenizer(),
        Tokenizer(lowercase=False),
        Tokenizer(stemmer="english", stopwords="english"),
        Tokenizer(stopwords=frozenset({"foo", "bar"})),
    ],
)
def test_dict_round_trip_through_json(tok: Tokenizer) -> None:
    restored = Tokenizer.from_dict(json.loads(json.dumps(tok.to_dict())))
    assert restored == tok
    assert restored("The Running foo") == tok("The Running foo")


def test_tokenizer_is_frozen_and_hashable() -> None:
    tok = Tokenizer(stemmer="english")
    with pytest.raises(AttributeError):
        tok.lowercase = False  # type: ignore[misc]
    assert hash(tok) == hash(Tokenizer(stemmer="english"))
