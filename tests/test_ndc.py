"""codes.payments.ndc: NDCs as people type them, in the 11-digit billing form."""

import pytest

from codes.payments import ndc


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("00006-3026-02", "00006302602"),
        ("00006302602", "00006302602"),
        (" NDC 00006-3026-02 ", "00006302602"),
        ("00006 3026 02", "00006302602"),
        ("0006-3026-02", "00006302602"),  # 4-4-2
        ("12345-678-90", "12345067890"),  # 5-3-2
        ("12345-6789-0", "12345678900"),  # 5-4-1
        ("0006302602", None),  # ten bare digits: ambiguous
        ("J9271", None),
        ("1234-56-78", None),
        ("", None),
        ("00006-3026-02-1", None),
    ],
)
def test_normalise(typed, expected):
    assert ndc.normalise(typed) == expected


def test_ten_bare_digits_give_the_three_eleven_digit_forms():
    assert ndc.candidates("0006302602") == ("00006302602", "00063002602", "00063026002")


def test_candidates_of_a_clear_form_and_of_text():
    assert ndc.candidates("00006-3026-02") == ("00006302602",)
    assert ndc.candidates("keytruda") == ()
    assert ndc.candidates("90371") == ()


def test_hyphenated():
    assert ndc.hyphenated("00006302602") == "00006-3026-02"
