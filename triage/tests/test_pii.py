"""Identifier validators and masking, with property-based tests (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from triage.pii import (
    cn_id_check_digit,
    cn_id_valid,
    find_pii,
    luhn_check_digit,
    luhn_valid,
    mask_text,
    pii_kinds,
)

digits = st.text(alphabet="0123456789", min_size=1)
filler = st.text(alphabet=st.sampled_from(list("投诉的卡被扣款了 abc,.;:，。")), max_size=20)


@st.composite
def cn_ids(draw: st.DrawFn) -> str:
    first17 = draw(st.text(alphabet="0123456789", min_size=17, max_size=17))
    return first17 + cn_id_check_digit(first17)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    payload = draw(st.sampled_from(["4", "51", "62", "37"])) + draw(
        st.text(alphabet="0123456789", min_size=11, max_size=17))
    return payload + luhn_check_digit(payload)


@given(cn_ids())
def test_an_id_number_with_its_check_digit_is_valid(number: str) -> None:
    assert cn_id_valid(number) and cn_id_valid(number.lower())


@given(cn_ids(), st.integers(0, 16), st.integers(1, 9))
def test_changing_one_digit_of_an_id_number_breaks_its_check(number: str, at: int,
                                                             shift: int) -> None:
    changed = number[:at] + str((int(number[at]) + shift) % 10) + number[at + 1:]
    assert not cn_id_valid(changed)


@given(card_numbers())
def test_a_card_number_with_its_luhn_digit_is_valid(number: str) -> None:
    assert luhn_valid(number)


@given(card_numbers(), st.data())
def test_changing_one_digit_of_a_card_number_breaks_luhn(number: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(number) - 1))
    shift = data.draw(st.integers(1, 9))
    changed = number[:at] + str((int(number[at]) + shift) % 10) + number[at + 1:]
    assert not luhn_valid(changed)


@given(card_numbers(), st.data())
def test_swapping_two_adjacent_different_digits_breaks_luhn_except_09(
    number: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(number) - 2))
    a, b = number[at], number[at + 1]
    if a == b or {a, b} == {"0", "9"}:
        return
    assert not luhn_valid(number[:at] + b + a + number[at + 2:])


@settings(max_examples=200)
@given(filler, st.one_of(cn_ids(), card_numbers()), filler)
def test_no_valid_identifier_survives_masking(before: str, number: str, after: str) -> None:
    masked = mask_text(before + number + after)
    assert number not in masked
    assert not [f for f in find_pii(masked) if f.valid and f.kind in {"cn_id", "card"}]


@given(st.text(max_size=200))
def test_masking_is_idempotent_and_never_raises(text: str) -> None:
    once = mask_text(text)
    assert mask_text(once) == once


@given(st.text(alphabet=st.sampled_from(list("年费被扣收退款客服 abcdefg,.")), max_size=100))
def test_text_without_digits_or_at_signs_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_it_names_and_masks_every_kind_of_identifier() -> None:
    text = ("身份证11010519491231002X，手机13812345678，卡号6222 0212 3456 7890 128，"
            "邮箱 zhang.san@example.com，账号 1234567890123，电话010-12345678，"
            "call +1 415 555 0132")
    assert pii_kinds(text) == ["account", "card", "cn_id", "email", "phone"]
    masked = mask_text(text)
    for raw in ("11010519491231002X", "13812345678", "0212 3456", "zhang.san", "1234567890123",
                "12345678", "555 0132"):
        assert raw not in masked
    assert "110105********002X" in masked and "138****5678" in masked
    assert "6222 **** **** 0128" in masked and "z***@example.com" in masked


def test_amounts_dates_and_short_numbers_are_not_identifiers() -> None:
    text = "2023年6月15日扣款300.00元，订单共12期，XX/XX/2019 paid {$1200.00}"
    assert find_pii(text) == [] and mask_text(text) == text


def test_a_mistyped_id_number_is_still_masked_but_not_valid() -> None:
    (found,) = find_pii("身份证110105194912310021")
    assert (found.kind, found.valid) == ("cn_id", False)
    assert "110105194912310021" not in mask_text("身份证110105194912310021")


def test_an_id_number_glued_to_digits_before_it_is_still_masked() -> None:
    """A log line or an export may run a field into the ID (a 19- or 20-digit run ending in X):
    no ID number and no card, yet never shown whole."""
    for text in ("id:0011010519491231002X end", "编号9911010519491231002x"):
        assert "11010519491231002" not in mask_text(text), text


def test_numbers_written_with_spaces_dashes_or_full_width_digits_are_masked() -> None:
    id_number = "11010519491231002X"
    cases = {
        "电话138-1234-5678请回电": ("phone", "电话138****5678请回电"),
        "电话138 1234 5678请回电": ("phone", "电话138****5678请回电"),
        "电话１３８１２３４５６７８请回电": ("phone", "电话１３８****５６７８请回电"),
        "电话１３８－１２３４－５６７８请回电": ("phone", "电话１３８****５６７８请回电"),
        "call me at 415-555-0132 or (415) 555-0132.": (
            "phone", "call me at 415****0132 or 415****0132."),
        f"身份证{id_number[:6]} {id_number[6:14]} {id_number[14:]}，": (
            "cn_id", "身份证110105********002X，"),
    }
    for text, (kind, masked) in cases.items():
        assert pii_kinds(text) == [kind], text
        assert mask_text(text) == masked
    assert find_pii(f"{id_number[:6]}-{id_number[6:14]}-{id_number[14:]}")[0].valid
    kept = ("投诉编号 TS-20261123-000123，金额 12,345.67 元，日期 2026-11-23，"
            "转办单 12378-2026-0012345")
    assert mask_text(kept) == kept
