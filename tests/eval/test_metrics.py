"""The agreement arithmetic against numbers worked out by hand (and kappa against scikit-learn)."""

import random

import pytest

from qa.eval.metrics import Counts, cohen_kappa, macro_f1, wilson


def test_wilson_interval_of_8_in_10():
    # p = 0.8, z = 1.96: centre (0.8 + 3.8415/20) / 1.38415 = 0.71674, half 1.96·√(0.016 + 0.0096037) / 1.38415 = 0.22658
    e = wilson(8, 10)
    assert e.value == pytest.approx(0.8)
    assert e.low == pytest.approx(0.49016, abs=1e-4)
    assert e.high == pytest.approx(0.94332, abs=1e-4)


def test_wilson_interval_at_the_edges():
    zero = wilson(0, 5)  # upper bound z²/n / (1 + z²/n) = 0.76829 / 1.76829
    assert (zero.value, zero.low) == (0.0, 0.0)
    assert zero.high == pytest.approx(0.43448, abs=1e-4)
    full = wilson(5, 5)
    assert full.high == 1.0 and full.low == pytest.approx(1 - 0.43448, abs=1e-4)
    assert wilson(0, 0).value is None


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_counts_precision_recall_f1_and_balanced_accuracy():
    c = Counts(tp=6, fp=2, fn=3, tn=9)
    assert c.n == 20 and c.positives == 9 and c.predicted == 8
    assert c.precision().value == pytest.approx(6 / 8)
    assert c.recall().value == pytest.approx(6 / 9)
    assert c.specificity().value == pytest.approx(9 / 11)
    assert c.f1().value == pytest.approx(12 / 17)            # 2TP / (2TP + FP + FN)
    assert c.balanced_accuracy().value == pytest.approx((6 / 9 + 9 / 11) / 2)
    # F1's interval is Wilson on J = TP/(TP+FP+FN) = 6/11 mapped through 2J/(1+J)
    j = wilson(6, 11)
    assert c.f1().low == pytest.approx(2 * j.low / (1 + j.low))
    assert c.f1().high == pytest.approx(2 * j.high / (1 + j.high))
    # balanced accuracy's interval averages the bounds of recall and specificity
    assert c.balanced_accuracy().low == pytest.approx((c.recall().low + c.specificity().low) / 2)
    assert c.f1().low < c.f1().value < c.f1().high


def test_counts_of_pairs_and_undefined_figures():
    c = Counts.of([(True, True), (True, False), (False, True), (False, False), (False, False)])
    assert (c.tp, c.fn, c.fp, c.tn) == (1, 1, 1, 2)
    nothing_positive = Counts(tn=10)
    assert nothing_positive.precision().value is None
    assert nothing_positive.recall().value is None
    assert nothing_positive.f1().value is None
    assert nothing_positive.balanced_accuracy().value is None
    assert (Counts(tp=1) + Counts(fp=2)).precision().value == pytest.approx(1 / 3)


def test_kappa_binary_hand_computed():
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
    # p_o = 8/10; p_e = 0.5·0.5 + 0.5·0.5 = 0.5; kappa = (0.8 − 0.5) / 0.5
    assert cohen_kappa(list(zip(a, b, strict=True))) == pytest.approx(0.6)


def test_kappa_three_categories_hand_computed():
    a = ["pass"] * 4 + ["coach"] * 4 + ["fail"] * 4
    b = ["pass"] * 3 + ["coach"] * 4 + ["fail"] * 4 + ["pass"]
    # p_o = 9/12; each reader uses each category 4 times: p_e = 3 · (4/12)² = 1/3; kappa = (0.75 − 1/3) / (2/3)
    assert cohen_kappa(list(zip(a, b, strict=True))) == pytest.approx(0.625)


def test_kappa_of_a_confusion_table_equals_kappa_of_its_pairs():
    c = Counts(tp=5, fp=1, fn=2, tn=33)
    pairs = [(True, True)] * 5 + [(False, True)] + [(True, False)] * 2 + [(False, False)] * 33
    assert c.kappa() == pytest.approx(cohen_kappa(pairs))
    assert Counts(tn=4).kappa() is None and Counts().kappa() is None


def test_kappa_edges():
    assert cohen_kappa([(True, False), (False, True)]) == pytest.approx(-1.0)
    assert cohen_kappa([("pass", "pass")] * 3) is None  # one category throughout: undefined
    assert cohen_kappa([]) is None


def test_kappa_agrees_with_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    rnd = random.Random(7)
    a = [rnd.choice("xyz") for _ in range(200)]
    b = [x if rnd.random() < 0.7 else rnd.choice("xyz") for x in a]
    assert cohen_kappa(list(zip(a, b, strict=True))) == pytest.approx(cohen_kappa_score(a, b))


def test_macro_f1_leaves_out_classes_without_units():
    value, over = macro_f1([Counts(tp=1, fn=1), Counts(tp=2), Counts(tn=5)])
    # F1 2/3 and 1; the third class was neither labelled nor predicted
    assert over == 2
    assert value == pytest.approx((2 / 3 + 1) / 2)
    assert macro_f1([Counts(tn=3)]) == (None, 0)
