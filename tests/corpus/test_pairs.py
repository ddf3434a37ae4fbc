"""Reading sentence pairs: STS-Benchmark's TSV, SICK's, CSV/TSV/JSONL with named columns; errors at file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchkit.corpus.pairs import PairColumns, load_pairs
from searchkit.errors import CorpusError

STSB_HEADER = "split\tgenre\tfile\tyear\tid\tscore\tsentence1\tsentence2"
STSB_ROWS = [
    'train\tmain-forum\tdeft-forum\t2014\t0001\t0.8\t"Then the captain was gone.\tThen the captain came back.',
    "test\tmain-captions\tMSRvid\t2012test\t0024\t2.500\tA girl is styling her hair.\tA girl is brushing her hair.",
    "dev\tmain-news\theadlines\t2013\t0003\t4.0\tStocks rise.\tShares go up.",
    'test\tmain-forum\tdeft-forum\t2014\t0092\t3\t"Leprechauns don\'t exist" - fine.\t"Elves don\'t exist" - fine.',
    "test\tmain-captions\tMSRvid\t2012test\t0025\t3.600\tA group of men play soccer on the beach.\tA group of boys are playing soccer on the beach.",
]
SICK_HEADER = "pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tSemEval_set"
SICK_ROWS = [
    "1\tA group of kids is playing in a yard\tA group of boys in a yard is playing\tNEUTRAL\t4.5\tTRAIN",
    "2\tA man is playing a guitar\tA man is playing a flute\tNEUTRAL\t3.1\tTEST",
    "3\tA dog runs\tA cat sleeps\tNEUTRAL\t1.2\tTEST",
    "4\tTwo men talk\tTwo people are talking\tENTAILMENT\t4.8\tTRIAL",
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_stsb_tsv_reads_the_test_split_with_quotes_as_text(tmp_path: Path) -> None:
    pairs = load_pairs(write(tmp_path / "stsb.tsv", STSB_HEADER, STSB_ROWS))
    assert (pairs.name, pairs.split, len(pairs)) == ("stsb", "test", 3)
    assert pairs.first[1] == '"Leprechauns don\'t exist" - fine.' and pairs.second[1] == '"Elves don\'t exist" - fine.'
    assert pairs.scores == (2.5, 3.0, 3.6) and pairs.lines == (3, 5, 6)
    assert pairs.columns == {"sentence1": "sentence1", "sentence2": "sentence2", "score": "score", "split": "split"}
    everything = load_pairs(tmp_path / "stsb.tsv", "all")
    assert everything.split is None and len(everything) == 5
    assert everything.first[0] == '"Then the captain was gone.'  # an unbalanced quote stays part of the sentence
    assert load_pairs(tmp_path / "stsb.tsv", "DEV").scores == (4.0,)


def test_sick_reads_its_columns_and_semeval_set_in_any_case(tmp_path: Path) -> None:
    pairs = load_pairs(write(tmp_path / "SICK.txt", SICK_HEADER, SICK_ROWS))
    assert pairs.split == "TEST" and pairs.scores == (3.1, 1.2)
    assert pairs.first == ("A man is playing a guitar", "A dog runs")
    assert pairs.columns["score"] == "relatedness_score" and pairs.columns["split"] == "SemEval_set"
    assert load_pairs(tmp_path / "SICK.txt", "trial").second == ("Two people are talking",)


def test_a_file_without_a_split_column_is_read_whole(tmp_path: Path) -> None:
    path = write(tmp_path / "sick.tsv", "pair_id\tsentence_A\tsentence_B\tscore", ["1\tA b\tC d\t1", "2\tE f\tG h\t2"])
    pairs = load_pairs(path)
    assert pairs.split is None and pairs.scores == (1.0, 2.0) and "split" not in pairs.columns
    assert len(load_pairs(path, "all")) == 2
    with pytest.raises(CorpusError, match=f"^{path}: has no split column .*split 'test' cannot be chosen"):
        load_pairs(path, "test")


def test_named_columns_in_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text('left,right,gold\n"Hello, world","Hi,\nworld",4.5\nA cat,A dog,1\n', encoding="utf-8")
    columns = PairColumns(sentence1="left", sentence2="right", score="gold")
    pairs = load_pairs(csv_path, columns=columns)
    assert pairs.first == ("Hello, world", "A cat") and pairs.second == ("Hi,\nworld", "A dog")
    assert pairs.lines == (2, 4) and pairs.split is None

    jsonl_path = tmp_path / "mine.jsonl"
    records = [{"left": "a b", "right": "c d", "gold": "0.5"}, {"left": "e f", "right": "a b", "gold": 3}]
    jsonl_path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pairs = load_pairs(jsonl_path, columns=columns)
    assert pairs.scores == (0.5, 3.0)
    assert pairs.sentences == ["a b", "e f", "c d"]  # distinct, in order of first appearance


# file name, text, line of the error, fragment of the problem
CASES = {
    "missing column": (
        "p.tsv",
        "sentence1\tsentence2\tgold\na\tb\t1\n",
        1,
        'no score column: expected "score" or "relatedness_score"',
    ),
    "missing named column": ("p.tsv", "sentence1\tsentence2\tscore\na\tb\t1\n", 1, 'no sentence1 column: expected "left"'),
    "non-numeric score": (
        "p.tsv",
        "sentence1\tsentence2\tscore\na\tb\t1\nc\td\thigh\n",
        3,
        "\"score\" must be a finite number, found 'high'",
    ),
    "nan score": ("p.tsv", "sentence1\tsentence2\tscore\na\tb\tnan\n", 2, "must be a finite number"),
    "empty sentence": ("p.tsv", "sentence1\tsentence2\tscore\na\tb\t1\n \tb\t2\n", 3, '"sentence1" is empty'),
    "empty sentence in another split": (
        "p.tsv",
        "split\tsentence1\tsentence2\tscore\ntest\ta\tb\t1\ntrain\ta\t\t2\n",
        3,
        '"sentence2" is empty',
    ),
    "too many fields": ("p.tsv", "sentence1\tsentence2\tscore\na\tb\t1\tx\n", 2, "4 fields, header has 3"),
    "too few fields": ("p.tsv", "sentence1\tsentence2\tscore\na\tb\n", 2, "2 fields, header has 3"),
    "column named twice": (
        "p.tsv",
        "sentence1\tsentence2\tscore\tscore\na\tb\t1\t2\n",
        1,
        "the header names score more than once",
    ),
    "unterminated quote": ("p.csv", 'sentence1,sentence2,score\na,b,1\n"never closed,b,2\nc,d,3\n', 3, "never closed"),
    "stray quote": ("p.csv", 'sentence1,sentence2,score\na,"b"c,1\n', 2, "malformed CSV"),
    "malformed JSON": ("p.jsonl", '{"sentence1": "a", "sentence2": "b", "score": 1}\n{"sentence1": \n', 2, "malformed JSON"),
    "JSON sentence not a string": (
        "p.jsonl",
        '{"sentence1": ["a"], "sentence2": "b", "score": 1}\n',
        1,
        '"sentence1" must be a string, found list',
    ),
    "JSON key missing later": (
        "p.jsonl",
        '{"sentence1": "a", "sentence2": "b", "score": 1}\n{"sentence1": "a", "score": 1}\n',
        2,
        'missing "sentence2"',
    ),
    "JSON boolean score": (
        "p.jsonl",
        '{"sentence1": "a", "sentence2": "b", "score": true}\n',
        1,
        "must be a finite number, found True",
    ),
    "invalid UTF-8": ("p.tsv", "sentence1\tsentence2\tscore\ncaf\xe9\tb\t1\n", 2, "invalid UTF-8"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_pairs_are_named_by_file_and_line(tmp_path: Path, case: str) -> None:
    name, text, line, problem = CASES[case]
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1") if case == "invalid UTF-8" else text.encode())
    columns = PairColumns(sentence1="left") if case == "missing named column" else PairColumns()
    with pytest.raises(CorpusError) as caught:
        load_pairs(path, "all", columns)
    assert str(caught.value).startswith(f"{path}:{line}: "), caught.value
    assert problem in str(caught.value)


def test_files_and_splits_that_hold_no_pairs(tmp_path: Path) -> None:
    header_only = write(tmp_path / "empty.tsv", "sentence1\tsentence2\tscore", [])
    with pytest.raises(CorpusError, match=f"^{header_only}: no pairs in this file"):
        load_pairs(header_only)
    stsb = write(tmp_path / "stsb.tsv", STSB_HEADER, STSB_ROWS)
    with pytest.raises(CorpusError, match="no pairs in split 'validation'; the file's splits are dev, test, train \\(or 'all'"):
        load_pairs(stsb, "validation")
    with pytest.raises(CorpusError, match="unsupported file type for pairs"):
        load_pairs(write(tmp_path / "pairs.xlsx", "x", []))
    with pytest.raises(CorpusError, match=f"^{tmp_path / 'nope.tsv'}: no such file"):
        load_pairs(tmp_path / "nope.tsv")
