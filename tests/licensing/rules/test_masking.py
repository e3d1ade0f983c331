"""Masking a person's name in the public register (Art. 5, 40; issue 7 item 3)."""

import pytest

from licensing.rules.masking import mask_holder, mask_person_name

CASES = {
    "two characters": ("张三", "张*"),
    "three characters": ("李小龙", "李**"),
    "compound surname": ("欧阳娜娜", "欧阳**"),
    "compound surname, three characters": ("司马光明", "司马**"),
    "two characters starting like a compound surname": ("欧阳", "欧*"),
    "spaces are ignored": (" 王 五 ", "王*"),
    "one character": ("王", "*"),
    "latin name": ("Anna Smith", "A*** *****"),
    "empty": ("", ""),
}


@pytest.mark.parametrize(("name", "masked"), CASES.values(), ids=CASES.keys())
def test_mask_person_name(name, masked):
    assert mask_person_name(name) == masked


def test_an_organisation_is_named_in_full_and_a_person_masked():
    assert mask_holder("上海示例餐饮有限公司", is_organisation=True) == "上海示例餐饮有限公司"
    assert mask_holder("欧阳娜娜", is_organisation=False) == "欧阳**"
