from __future__ import annotations

import numpy as np
import pytest

from searchkit.evaluation import compare, paired_randomization_test
from searchkit.evaluation.significance import Comparison


def test_identical_inputs_give_p_one() -> None:
    values = [0.1, 0.5, 0.9, 0.3]
    assert paired_randomization_test(values, values) == 1.0


def test_large_consistent_difference_is_significant() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(100)
    assert paired_randomization_test(a + 0.2, a) < 0.01


def test_p_value_has_plus_one_smoothing_floor() -> None:
    a = np.ones(50)
    assert paired_randomization_test(a, np.zeros(50), n_resamples=999) == pytest.approx(1 / 1000)


def test_is_two_sided() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.random(30), rng.random(30)
    assert paired_randomization_test(a, b) == paired_randomization_test(b, a)


def test_no_difference_is_not_significant() -> None:
    rng = np.random.default_rng(2)
    a = rng.random(200)
    b = a + rng.normal(scale=0.01, size=200)
    b -= b.mean() - a.mean()
    assert paired_randomization_test(a, b) > 0.5


def test_matches_exact_enumeration_on_small_input() -> None:
    # 4 pairs: all 16 sign patterns are equally likely; |mean| >= observed for 4 of them
    diff = np.array([1.0, 1.0, 1.0, -0.5])
    signs = np.array([[1 if (m >> i) & 1 else -1 for i in range(4)] for m in range(16)])
    exact = np.mean(np.abs(signs @ diff) >= abs(diff.sum()) - 1e-12)
    p = paired_randomization_test(diff, np.zeros(4), n_resamples=100_000)
    assert p == pytest.approx(exact, abs=0.01)


def test_same_seed_same_p_and_seed_matters() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.random(40), rng.random(40) + 0.05
    assert paired_randomization_test(a, b, random_seed=7) == paired_randomization_test(a, b, random_seed=7)
    p_values = {paired_randomization_test(a, b, n_resamples=500, random_seed=s) for s in range(5)}
    assert len(p_values) > 1


def test_batches_do_not_change_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.evaluation import significance

    rng = np.random.default_rng(4)
    a, b = rng.random(64), rng.random(64)
    whole = paired_randomization_test(a, b, n_resamples=1000)
    monkeypatch.setattr(significance, "_BATCH_ENTRIES", 64 * 7)
    batched = paired_randomization_test(a, b, n_resamples=1000)
    assert 0 < whole < 1 and 0 < batched < 1
    assert abs(whole - batched) < 0.1  # same test, different random stream


@pytest.mark.parametrize(
    ("a", "b"),
    [([1.0, 2.0], [1.0]), ([], []), ([[1.0]], [[2.0]])],
)
def test_bad_inputs_raise(a: list, b: list) -> None:
    with pytest.raises(ValueError):
        paired_randomization_test(a, b)


def test_compare_pairs_on_common_queries() -> None:
    rng = np.random.default_rng(5)
    base = {f"q{i}": float(v) for i, v in enumerate(rng.random(100))}
    better = {q: v + 0.3 for q, v in base.items()}
    same = dict(base)
    extra = {**same, "only-here": 100.0}  # queries not shared are ignored
    result = compare({"base": base, "better": better, "same": extra})
    assert list(result) == [("base", "better"), ("base", "same"), ("better", "same")]
    first = result[("base", "better")]
    assert isinstance(first, Comparison)
    assert (first.a, first.b) == ("base", "better")
    assert first.mean_b - first.mean_a == pytest.approx(0.3)
    assert first.significant and first.p_value < 0.01
    second = result[("base", "same")]
    assert second.mean_a == pytest.approx(second.mean_b)
    assert second.p_value == 1.0 and not second.significant


def test_compare_respects_max_p() -> None:
    a = {f"q{i}": 1.0 for i in range(5)}
    b = {f"q{i}": 0.0 for i in range(5)}
    # with 5 queries the smallest two-sided exact p-value is 2/32
    assert not compare({"a": a, "b": b})[("a", "b")].significant
    assert compare({"a": a, "b": b}, max_p=0.1)[("a", "b")].significant


def test_compare_without_common_queries_raises() -> None:
    with pytest.raises(ValueError, match="no query in common"):
        compare({"a": {"q1": 1.0}, "b": {"q2": 1.0}})
