"""Masking a person's name for publication (Art. 5: privacy is not disclosed; design.md
principle 4). Grant decisions are public (Art. 40), but a natural person's name is shown only
as the surname followed by one ``*`` per remaining character: 张三 → 张*, 欧阳娜娜 → 欧阳**.

Pure: stdlib only. Names in other scripts keep their first letter and mask every other letter,
keeping spaces and hyphens: "Anna Smith" → "A*** *****"."""

from __future__ import annotations

__all__ = ["COMPOUND_SURNAMES", "mask_holder", "mask_person_name"]

COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
        "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "钟离", "澹台", "申屠",
        "太史", "闻人", "万俟", "赫连", "公冶", "濮阳", "淳于", "单于", "太叔", "仲孙", "宗政", "拓跋",
        "东郭", "第五", "梁丘", "左丘", "羊舌", "微生", "公羊", "司空", "谷梁", "段干", "巫马", "亓官",
    }
)
"""Two-character Chinese surnames (复姓) kept whole when masking."""


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0x20000 <= code <= 0x3134F or 0xF900 <= code <= 0xFAFF


def mask_person_name(name: str) -> str:
    """The surname and one ``*`` per other character (see the module docstring).

    A one-character name becomes ``*``; an empty name stays empty."""
    name = " ".join(name.split())
    if not name:
        return ""
    if _is_cjk(name[0]):
        chars = name.replace(" ", "").replace("·", "")
        keep = 2 if chars[:2] in COMPOUND_SURNAMES and len(chars) > 2 else 1
        if len(chars) <= 1:
            return "*"
        return chars[:keep] + "*" * (len(chars) - keep)
    masked = []
    first = True
    for char in name:
        if char in " -'":
            masked.append(char)
        elif first:
            masked.append(char)
            first = False
        else:
            masked.append("*")
    return "".join(masked) if len(name) > 1 else "*"


def mask_holder(name: str, *, is_organisation: bool) -> str:
    """What the public may see of a licence holder: an organisation's name in full (Art. 40),
    a person's name masked (Art. 5)."""
    return name if is_organisation else mask_person_name(name)
