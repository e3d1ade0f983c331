"""The written documents of the procedure (law.md §5): render, seal, store and read them.

The Administrative Licensing Law requires the organ to act in writing at each step that affects
the applicant: the acceptance voucher and the non-acceptance decision, both sealed and dated
(Art. 32(2) — the last paragraph of Art. 32), the one-time supplement notice (Art. 32(1)(4)), the
extension notice (Art. 42), the excluded-time notice (Art. 45), the grant and denial decisions
(Art. 38, 40, 55(3)) and the licence certificate (Art. 39, 44). Decree 716 (国务院关于在线政务服务的
若干规定, 2019) Art. 9 gives an electronic seal the force of a physical one, Art. 10 an electronic
licence the force of a paper one.

Three layers:

* ``build_*`` — one builder per ``DocumentKind``: a ``context`` dict of plain Python values in,
  PDF bytes out. They read no database; missing content the law requires raises
  ``DocumentContextError`` instead of producing a defective document (Art. 72(4), 72(7)).
  ``BUILDERS`` maps each kind to its builder and ``document_render`` dispatches.
* ``document_base_context`` — the keys every builder shares, taken from the application.
* ``document_issue`` / ``document_read`` — the service that renders, hashes and stores a new
  version of a document, and the read that proves the stored bytes are the issued ones.

The PDFs use reportlab's built-in CID font ``STSong-Light``, so Chinese renders without shipping a
font file; the output is byte-for-byte reproducible from the same context (``invariant``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import router, transaction
from django.db.models import Max
from django.utils import timezone
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from licensing.choices import CertificateType, DocumentKind, NonAcceptanceGround, PauseReason
from licensing.errors import DomainError
from licensing.models import Agency, Application, Document, User
from licensing.signals import document_issued

FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))

MARGIN = 22 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
SEAL_RED = colors.HexColor("#C8102E")
SEAL_SIZE = 38 * mm
INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#4A4A4A")
RULE = colors.HexColor("#9A9A9A")

SEAL_WORDS = "行政许可专用章"
SEAL_CAPTION = "行政许可专用章 (electronic seal, Decree 716 Art. 9)"


# --- errors --------------------------------------------------------------------------------------


class DocumentContextError(DomainError):
    """A document lacks content the law requires (law.md §5), so it is not issued.

    Issuing a notice without it would itself be a breach: no reasons for a refusal (Art. 72(7)),
    a supplement notice that does not list everything at once (Art. 72(4))."""

    code = "document_incomplete"


class DocumentImmutable(DomainError):
    """An attempt to change or delete an issued document. Its content is fixed once served; a
    correction is a new version (design principle 5; Art. 32(2) and 38: written, sealed, dated)."""

    status_code = 409
    code = "document_immutable"


class DocumentTampered(Exception):
    """The stored file is missing or no longer matches the SHA-256 recorded when it was issued.

    Not a refusal but an integrity alarm: the served document can no longer be proved."""


# --- the remedy block (Art. 7, 38(2)) ------------------------------------------------------------

DEFAULT_RECONSIDERATION_ORGAN_ZH = "本级人民政府"
DEFAULT_RECONSIDERATION_ORGAN_EN = "the people's government at the same level"


def remedy_block(*, agency: Agency) -> str:
    """The standard remedy text for an adverse decision, Chinese then English (two paragraphs).

    Art. 7 and Art. 38(2): a denial must tell the applicant of the right to reconsideration or a
    lawsuit. Reconsideration: within 60 days of knowing of the decision (Administrative
    Reconsideration Law 2023 Art. 20), to the reconsideration organ (Arts. 24–25; by default the
    people's government at the same level). Lawsuit: within 6 months (Administrative Litigation
    Law Art. 46). The organ is ``agency.reconsideration_organ`` when set."""
    organ = (agency.reconsideration_organ or "").strip()
    organ_zh = organ or DEFAULT_RECONSIDERATION_ORGAN_ZH
    organ_en = organ or DEFAULT_RECONSIDERATION_ORGAN_EN
    zh = (
        f"如不服本决定，可以自知道本决定之日起六十日（60日）内向{organ_zh}申请行政复议"
        "（《中华人民共和国行政复议法》第二十条），或者自知道本决定之日起六个月（6个月）内"
        "依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条）。"
    )
    en = (
        "If you do not accept this decision, you may apply for administrative reconsideration to "
        f"{organ_en} within 60 days of the day you learn of it (Administrative Reconsideration Law "
        "2023, Art. 20), or bring an administrative lawsuit before the people's court within 6 months "
        "of that day (Administrative Litigation Law, Art. 46)."
    )
    return f"{zh}\n{en}"


# --- titles --------------------------------------------------------------------------------------

TITLES: dict[str, tuple[str, str]] = {
    DocumentKind.ACCEPTANCE_VOUCHER: ("行政许可受理通知书", "Acceptance voucher"),
    DocumentKind.NON_ACCEPTANCE: ("不予受理决定书", "Decision not to accept the application"),
    DocumentKind.SUPPLEMENT_NOTICE: ("补正材料一次性告知书", "One-time notice to supplement materials"),
    DocumentKind.EXTENSION_NOTICE: ("延长行政许可期限告知书", "Notice of extension of the decision time limit"),
    DocumentKind.EXCLUDED_TIME_NOTICE: ("特别程序所需时间告知书", "Notice of the time needed for a special procedure"),
    DocumentKind.GRANT_DECISION: ("准予行政许可决定书", "Decision to grant the administrative licence"),
    DocumentKind.DENIAL_DECISION: ("不予行政许可决定书", "Decision to deny the administrative licence"),
    DocumentKind.LICENCE_CERTIFICATE: ("行政许可证件", "Administrative licence certificate"),
    DocumentKind.WITHDRAWAL_NOTICE: ("撤回行政许可申请确认书", "Confirmation of the withdrawal of the application"),
}

PAUSE_LABELS: dict[str, tuple[str, str]] = {
    PauseReason.HEARING: ("听证", "hearing"),
    PauseReason.TENDERING: ("招标", "tendering"),
    PauseReason.AUCTION: ("拍卖", "auction"),
    PauseReason.INSPECTION: ("检验", "inspection"),
    PauseReason.TESTING: ("检测", "testing"),
    PauseReason.QUARANTINE: ("检疫", "quarantine"),
    PauseReason.APPRAISAL: ("鉴定", "appraisal"),
    PauseReason.EXPERT_REVIEW: ("专家评审", "expert review"),
}
"""The eight procedures of Art. 45, in the order the article lists them."""

CERTIFICATE_LABELS: dict[str, tuple[str, str]] = {
    CertificateType.PERMIT: ("许可证、执照或者其他许可证书", "permit, licence or other licence certificate"),
    CertificateType.QUALIFICATION: ("资格证、资质证或者其他合格证书", "qualification or qualifying certificate"),
    CertificateType.APPROVAL: ("行政机关的批准文件或者证明文件", "approval or certifying document"),
    CertificateType.OTHER: ("法律、法规规定的其他行政许可证件", "other licence document provided by law"),
}
"""The certificate types of Art. 39."""


# --- small helpers -------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and not value)


def _require(context: Mapping[str, Any], kind: str, *keys: str) -> None:
    missing = [k for k in keys if _missing(context.get(k))]
    if missing:
        raise DocumentContextError(
            f"{kind}: the document lacks required content: {', '.join(missing)} (law.md §5).",
            fields={k: ["Required."] for k in missing},
        )


def _as_date(value: date | datetime | str) -> date | str:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _date(value: date | datetime | str | None) -> str:
    """A date as ``2026年3月5日 (2026-03-05)``: Chinese for the reader, ISO for the record."""
    if value is None:
        return ""
    value = _as_date(value)
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日 ({value.isoformat()})"
    return str(value)


def _is_latin(char: str) -> bool:
    """Whether Helvetica (WinAnsi, i.e. cp1252) can draw the character; the rest goes to STSong."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font, run) pieces: Latin in Helvetica, Chinese in STSong-Light. The CID
    font's Latin glyphs are spaced for CJK text, so English set in it reads badly."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = LATIN_FONT if _is_latin(char) else FONT
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def _iso(value: date | datetime | str | None) -> str:
    """A date for the English lines: ISO 8601."""
    return "" if value is None else str(_as_date(value))


def _text(value: Any) -> str:
    """Paragraph mark-up for a plain value: escaped, line breaks kept, fonts switched per run."""
    text = str(value).replace("\r\n", "\n")
    return "".join(f'<font face="{font}">{escape(run).replace(chr(10), "<br/>")}</font>' for font, run in _runs(text))


def _width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in _runs(text))


def _draw(canvas, x: float, y: float, text: str, size: float, *, align: str = "left") -> None:
    """Draw one line of mixed Chinese and Latin text on a canvas."""
    if align == "right":
        x -= _width(text, size)
    elif align == "centre":
        x -= _width(text, size) / 2
    for font, run in _runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


def _has_cjk(text: str) -> bool:
    return any(not _is_latin(ch) for ch in text)


def _lookup(value: Any, choices: Iterable[tuple[str, Any]]) -> str | None:
    """The choice value for either the value itself or its (translated) label."""
    for key, label in choices:
        if value == key or value == str(label):
            return key
    return None


def lookup_url(application_number: str) -> str:
    """The public lookup page named in every document's footer (Art. 5, 40)."""
    return f"{settings.PUBLIC_BASE_URL}/lookup/{application_number}/"


def verify_url(token: str) -> str:
    """The public verification page the licence's QR code encodes (Art. 39; Decree 716 Art. 10)."""
    return f"{settings.PUBLIC_BASE_URL}/verify/{token}/"


# --- rendering -----------------------------------------------------------------------------------


def _style(name: str, size: float, *, leading: float | None = None, color=INK, align=0, cjk=True, **kw):
    return ParagraphStyle(
        name,
        fontName=FONT,
        fontSize=size,
        leading=leading or size * 1.45,
        textColor=color,
        alignment=align,
        wordWrap="CJK" if cjk else None,
        **kw,
    )


STYLES = {
    "organ": _style("organ", 15, align=TA_CENTER),
    "organ_en": _style("organ_en", 9.5, color=MUTED, align=TA_CENTER, cjk=False),
    "title": _style("title", 18, align=TA_CENTER, spaceBefore=4),
    "title_en": _style("title_en", 12, color=MUTED, align=TA_CENTER, cjk=False, spaceAfter=4),
    "meta": _style("meta", 9, color=MUTED),
    "meta_right": _style("meta_right", 9, color=MUTED, align=TA_RIGHT),
    "zh": _style("zh", 10.5, leading=16, spaceBefore=4, firstLineIndent=21),
    "zh_flat": _style("zh_flat", 10.5, leading=16, spaceBefore=4),
    "en": _style("en", 9, leading=12, color=MUTED, cjk=False, spaceBefore=1),
    "section": _style("section", 11.5, leading=16, spaceBefore=8),
    "label": _style("label", 9.5, leading=13),
    "label_en": _style("label_en", 8, leading=10, color=MUTED, cjk=False),
    "cell": _style("cell", 10, leading=14),
    "cell_en": _style("cell_en", 10, leading=14, cjk=False),
    "sign": _style("sign", 11, leading=16, align=TA_RIGHT),
    "footer": _style("footer", 8, color=MUTED),
}


def draw_seal(canvas, cx: float, cy: float, organ: str, size: float = SEAL_SIZE) -> None:
    """Draw the organ's electronic seal (Decree 716 Art. 9) centred on (cx, cy): a red circle, the
    organ's name along the upper arc, a star, and 行政许可专用章 (the special licensing seal that
    vouchers carry, Art. 32(2))."""
    r = size / 2
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setStrokeAlpha(0.9)
    canvas.setFillAlpha(0.9)
    canvas.setLineWidth(2.4)
    canvas.circle(0, 0, r - 1.5, stroke=1, fill=0)

    outer, inner = r * 0.24, r * 0.24 * 0.382
    path = canvas.beginPath()
    for i in range(10):
        angle = math.pi / 2 + i * math.pi / 5
        radius = outer if i % 2 == 0 else inner
        point = (radius * math.cos(angle), radius * math.sin(angle))
        if i == 0:
            path.moveTo(*point)
        else:
            path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)

    # The organ's name along the upper arc, each character upright towards the centre.
    name = organ.strip() or "-"
    count = len(name)
    span = 250.0
    font_size = min(r * 0.24, 2 * math.pi * (r * 0.72) * (span / 360) / count / 1.05)
    baseline = r - 3.5 - font_size
    step = min(math.degrees(font_size * 1.1 / baseline), span / max(count - 1, 1))
    first = 90 + step * (count - 1) / 2
    for i, char in enumerate(name):
        canvas.saveState()
        canvas.rotate(first - i * step - 90)
        _draw(canvas, 0, baseline, char, font_size, align="centre")
        canvas.restoreState()

    _draw(canvas, 0, -r * 0.58, SEAL_WORDS, r * 0.15, align="centre")
    canvas.restoreState()


class SignatureBlock(Flowable):
    """The organ's name and the date at the foot of the document, stamped with the electronic seal,
    and the seal's caption: written, sealed and dated (Art. 32(2), 38, 39; Decree 716 Art. 9)."""

    caption_size = 7.5

    def __init__(self, organ: str, when: str):
        super().__init__()
        self.organ = organ
        self.when = when

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = SEAL_SIZE + 6 * mm
        return self.width, self.height

    def draw(self):
        c = self.canv
        right = self.width
        text_width = max(_width(self.organ, 11), _width(self.when, 10))
        centre_x = right - max(text_width, SEAL_SIZE) / 2
        centre_y = 6 * mm + SEAL_SIZE / 2
        c.saveState()
        c.setFillColor(INK)
        _draw(c, right, centre_y - 4, self.organ, 11, align="right")
        _draw(c, right, centre_y - 19, self.when, 10, align="right")
        c.restoreState()
        draw_seal(c, centre_x, centre_y, self.organ)
        c.saveState()
        c.setFillColor(SEAL_RED)
        _draw(c, right, 1.5 * mm, SEAL_CAPTION, self.caption_size, align="right")
        c.restoreState()


class _Sheet:
    """The common frame of every document: the organ, the title in Chinese then English, the
    document number and date, the body, the sealed signature block, and the verification footer."""

    def __init__(self, context: Mapping[str, Any], kind: str, *, title: tuple[str, str] | None = None):
        _require(context, kind, "organ", "document_number", "date", "application_number")
        self.context = context
        self.kind = kind
        self.title_zh, self.title_en = title or TITLES[kind]
        self.story: list[Flowable] = []
        self._header()

    # building blocks

    def _header(self) -> None:
        ctx = self.context
        self.story.append(Paragraph(_text(ctx["organ"]), STYLES["organ"]))
        if ctx.get("organ_en"):
            self.story.append(Paragraph(_text(ctx["organ_en"]), STYLES["organ_en"]))
        self.story.append(Spacer(1, 2 * mm))
        self.story.append(Paragraph(_text(self.title_zh), STYLES["title"]))
        self.story.append(Paragraph(_text(self.title_en), STYLES["title_en"]))
        meta = Table(
            [
                [
                    Paragraph(_text(f"文书编号 No.: {ctx['document_number']}"), STYLES["meta"]),
                    Paragraph(_text(f"日期 Date: {_date(ctx['date'])}"), STYLES["meta_right"]),
                ]
            ],
            colWidths=["55%", "45%"],
        )
        meta.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        self.story.append(meta)
        self.story.append(Spacer(1, 3 * mm))

    def para(self, zh: str, en: str = "", *, indent: bool = True) -> None:
        """A paragraph in Chinese with its English rendering beneath."""
        self.story.append(Paragraph(_text(zh), STYLES["zh" if indent else "zh_flat"]))
        if en:
            self.story.append(Paragraph(_text(en), STYLES["en"]))

    def section(self, zh: str, en: str) -> None:
        self.story.append(Paragraph(f"{_text(zh)} <font size=9 color='#4A4A4A'>{_text(en)}</font>", STYLES["section"]))

    def bilingual(self, text: str) -> None:
        """A block that is already Chinese then English (such as ``remedy_block``), one paragraph per line."""
        for line in str(text).splitlines():
            if line.strip():
                self.story.append(Paragraph(_text(line), STYLES["zh_flat" if _has_cjk(line) else "en"]))

    @staticmethod
    def _cell(value: Any) -> Paragraph:
        text = str(value)
        return Paragraph(_text(text), STYLES["cell" if _has_cjk(text) else "cell_en"])

    @staticmethod
    def _label(zh: str, en: str) -> list[Paragraph]:
        return [Paragraph(_text(zh), STYLES["label"]), Paragraph(_text(en), STYLES["label_en"])]

    def fields(self, rows: Iterable[tuple[str, str, Any]]) -> None:
        """A two-column table: the label (Chinese over English) and the value."""
        data = [[self._label(zh, en), self._cell(value)] for zh, en, value in rows if not _missing(value)]
        if not data:
            return
        table = Table(data, colWidths=[42 * mm, FRAME_WIDTH - 42 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        self.story.append(Spacer(1, 2 * mm))
        self.story.append(table)
        self.story.append(Spacer(1, 2 * mm))

    def grid(self, header: list[tuple[str, str]], rows: list[list[Any]], widths: list[Any]) -> None:
        data = [[self._label(zh, en) for zh, en in header]] + [[self._cell(v) for v in row] for row in rows]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(Spacer(1, 2 * mm))
        self.story.append(table)
        self.story.append(Spacer(1, 2 * mm))

    def add(self, flowable: Flowable) -> None:
        self.story.append(flowable)

    def _signature(self) -> Flowable:
        ctx = self.context
        lines: list[Flowable] = [Spacer(1, 3 * mm)]
        if ctx.get("signed_by"):
            lines.append(Paragraph(_text(f"签发人 Signed by: {ctx['signed_by']}"), STYLES["sign"]))
        lines.append(SignatureBlock(str(ctx["organ"]), _date(ctx["date"])))
        return KeepTogether(lines)

    def render(self) -> bytes:
        ctx = self.context
        footer = f"Verify at {lookup_url(ctx['application_number'])}"
        number = str(ctx["document_number"])
        self.story.append(self._signature())

        def on_page(canvas, doc):
            canvas.saveState()
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.line(doc.leftMargin, 16 * mm, A4[0] - doc.rightMargin, 16 * mm)
            canvas.setFillColor(MUTED)
            _draw(canvas, doc.leftMargin, 11 * mm, f"核验 {footer}", 8)
            page = f"{number} | 第{doc.page}页 page {doc.page}"
            _draw(canvas, A4[0] - doc.rightMargin, 11 * mm, page, 8, align="right")
            canvas.restoreState()

        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=15 * mm,
            bottomMargin=21 * mm,
            title=f"{self.title_zh} {self.title_en} {number}",
            author=str(ctx["organ"]),
            subject=f"{self.kind} {ctx['application_number']}",
            creator="Xuke",
            producer="Xuke (reportlab)",
            invariant=1,
        )
        doc.build(self.story, onFirstPage=on_page, onLaterPages=on_page)
        return buffer.getvalue()


def _parties(sheet: _Sheet, context: Mapping[str, Any]) -> None:
    sheet.fields(
        [
            ("申请人", "Applicant", context.get("holder_name")),
            ("申请事项", "Licence item", context.get("item_name")),
            ("申请编号", "Application number", context.get("application_number")),
        ]
    )


# --- the builders: one per kind (law.md §5) ------------------------------------------------------


def build_acceptance_voucher(context: Mapping[str, Any]) -> bytes:
    """D2, the acceptance voucher (受理通知书; Art. 32(1)(5) and 32(2)): sealed and dated, naming the
    applicant, the item and the acceptance date, with the decision due date and the statutory limit
    (Art. 42, counted in working days under Art. 82) [INT]. For deemed acceptance (Art. 32(1)(4):
    no one-time notice within 5 working days) it says so and gives the receipt date [INT].

    Keys: ``holder_name``, ``item_name``, ``accepted_on``, ``decision_due``, ``statutory_days``;
    ``deemed`` (bool) with ``received_on`` (required when deemed); optional ``promised_days``."""
    kind = DocumentKind.ACCEPTANCE_VOUCHER
    _require(context, kind, "holder_name", "item_name", "accepted_on", "decision_due", "statutory_days")
    deemed = bool(context.get("deemed"))
    if deemed:
        _require(context, kind, "received_on")
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    received = _date(context.get("received_on"))
    days = context["statutory_days"]
    due = _date(context["decision_due"])
    sheet.para(f"{holder}：")
    if deemed:
        sheet.para(
            f"你（单位）于{received}提交的“{item}”行政许可申请，本机关未在收到申请材料之日起五个工作日内"
            "一次告知需要补正的全部内容。根据《中华人民共和国行政许可法》第三十二条第一款第（四）项，"
            f"自收到申请材料之日起即为受理，受理日期为{_date(context['accepted_on'])}。",
            f"Deemed accepted under Art. 32(4); receipt date {_iso(context['received_on'])}. "
            "The organ did not tell you within 5 working days of receipt everything to supplement, so "
            f"your application for “{item}” counts as accepted from the date the materials were received.",
        )
    else:
        sheet.para(
            f"你（单位）提交的“{item}”行政许可申请，申请事项属于本机关职权范围，申请材料齐全、符合法定形式。"
            "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项，本机关决定予以受理。",
            f"Your application for “{item}” is within this organ's powers and its materials are complete and "
            "in legal form. It is accepted under Art. 32(1)(5) of the Administrative Licensing Law.",
        )
    limit = f"{days}个工作日 / {days} working days from acceptance (Art. 42, Art. 82)"
    if context.get("promised_days"):
        promised = context["promised_days"]
        limit += f"\n承诺时限 {promised}个工作日 / promised limit {promised} working days"
    sheet.fields(
        [
            ("申请人", "Applicant", holder),
            ("申请事项", "Licence item", item),
            ("申请编号", "Application number", context["application_number"]),
            ("收到材料日期", "Materials received on", received),
            (
                "受理日期",
                "Accepted on",
                _date(context["accepted_on"])
                + ("\n视为受理（第三十二条第一款第（四）项）deemed accepted (Art. 32(4))" if deemed else ""),
            ),
            ("法定办理时限", "Statutory time limit", limit),
            ("作出决定期限", "Decision due by", due),
        ]
    )
    sheet.para(
        f"本机关将于{due}前作出决定。听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审所需时间不计算在内"
        "（第四十五条）；经本机关负责人批准，可以延长十个工作日并告知理由（第四十二条）。",
        f"The organ will decide by {_iso(context['decision_due'])}. Time for hearings, tendering, auctions, "
        "inspection, testing, quarantine, appraisal and expert review does not count (Art. 45); the head of "
        "the organ may extend the limit by 10 working days, with the reason told (Art. 42).",
    )
    return sheet.render()


def build_non_acceptance(context: Mapping[str, Any]) -> bytes:
    """D3, the non-acceptance decision (不予受理决定书; Art. 32(1)(1)–(2), 32(2), 72(7), 7): the
    reasons; where the matter is outside the organ's powers, the competent organ to apply to; the
    seal and date; and the remedy block [INT].

    Keys: ``holder_name``, ``item_name``, ``reasons``, ``remedy``; optional ``ground`` (a
    ``NonAcceptanceGround`` value or label), ``competent_organ`` (required for outside powers),
    ``received_on``, ``decided_on``."""
    kind = DocumentKind.NON_ACCEPTANCE
    _require(context, kind, "holder_name", "item_name", "reasons", "remedy")
    ground = _lookup(context.get("ground"), NonAcceptanceGround.choices)
    if ground == NonAcceptanceGround.OUTSIDE_POWERS:
        _require(context, kind, "competent_organ")
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    sheet.para(f"{holder}：")
    received = context.get("received_on")
    sheet.para(
        f"你（单位）{'于' + _date(received) if received else ''}提交的“{item}”行政许可申请，"
        "经审查，本机关决定不予受理。",
        f"Having examined your application for “{item}”"
        + (f", received on {_iso(received)}" if received else "")
        + ", this organ decides not to accept it.",
    )
    if ground == NonAcceptanceGround.NO_LICENCE_NEEDED:
        sheet.para(
            "申请事项依法不需要取得行政许可（《中华人民共和国行政许可法》第三十二条第一款第（一）项）。",
            "The matter applied for does not require an administrative licence (Art. 32(1)(1)).",
        )
    elif ground == NonAcceptanceGround.OUTSIDE_POWERS:
        organ = context["competent_organ"]
        sheet.para(
            f"申请事项依法不属于本行政机关职权范围（第三十二条第一款第（二）项）。请向{organ}提出申请。",
            f"The matter is outside this organ's powers (Art. 32(1)(2)). Please apply to the competent organ: {organ}.",
        )
    elif context.get("ground"):
        sheet.para(f"不予受理的情形 Ground: {context['ground']}")
    sheet.section("不予受理的理由", "Reasons")
    sheet.para(str(context["reasons"]), indent=False)
    sheet.fields(
        [
            ("申请人", "Applicant", holder),
            ("申请事项", "Licence item", item),
            ("申请编号", "Application number", context["application_number"]),
            ("有权机关", "Competent organ", context.get("competent_organ")),
            ("决定日期", "Decided on", _date(context.get("decided_on"))),
        ]
    )
    sheet.section("救济途径", "Remedies")
    sheet.bilingual(context["remedy"])
    return sheet.render()


def build_supplement_notice(context: Mapping[str, Any]) -> bytes:
    """D4, the one-time supplement notice (补正材料一次性告知书; Art. 32(1)(4), 72(4)): every item to
    supplement or correct, each with what is needed, all at once; issued on the spot or within 5
    working days of receipt; how and where to submit; and the statement that the application is
    accepted once everything is supplied.

    Keys: ``holder_name``, ``item_name``, ``items`` (a non-empty list of dicts with ``name`` and
    ``what_is_needed``), ``how_to_submit``, ``received_on``; optional ``notice_due`` (the last
    day of the 5 working days: issuing later is refused, the application being deemed accepted),
    ``organ_address``, ``organ_phone``."""
    kind = DocumentKind.SUPPLEMENT_NOTICE
    _require(context, kind, "holder_name", "item_name", "items", "how_to_submit", "received_on")
    items = list(context["items"])
    for index, entry in enumerate(items, start=1):
        if not isinstance(entry, Mapping) or _missing(entry.get("name")) or _missing(entry.get("what_is_needed")):
            raise DocumentContextError(
                f"D4: item {index} needs its name and what is needed (Art. 32(1)(4)).", fields={"items": ["Invalid."]}
            )
    issued, due = _as_date(context["date"]), context.get("notice_due")
    if due and isinstance(issued, date) and issued > _as_date(due):
        raise DocumentContextError(
            "D4: the 5 working days for the one-time notice have run out; the application is deemed accepted "
            "(Art. 32(1)(4)).",
            code="deemed_accepted",
        )
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    received = _date(context["received_on"])
    sheet.para(f"{holder}：")
    sheet.para(
        f"你（单位）于{received}提交的“{item}”行政许可申请，申请材料不齐全或者不符合法定形式。根据《中华人民共和国"
        f"行政许可法》第三十二条第一款第（四）项，现一次告知需要补正的全部内容（共{len(items)}项）如下：",
        f"The materials you submitted on {_iso(context['received_on'])} for “{item}” are incomplete or not in "
        f"legal form. Under Art. 32(1)(4) this notice tells you, once and in full, everything to supplement or "
        f"correct ({len(items)} item(s)):",
    )
    sheet.grid(
        [("序号", "No."), ("材料", "Material"), ("需要补正的内容", "What is needed")],
        [[i, entry["name"], entry["what_is_needed"]] for i, entry in enumerate(items, start=1)],
        [14 * mm, 52 * mm, FRAME_WIDTH - 66 * mm],
    )
    sheet.section("补正方式和地点", "How and where to submit")
    sheet.para(str(context["how_to_submit"]), indent=False)
    sheet.fields(
        [
            ("办公地址", "Office address", context.get("organ_address")),
            ("咨询电话", "Phone", context.get("organ_phone")),
        ]
    )
    sheet.para(
        "你（单位）按照本告知书的要求提交全部补正材料后，本机关即予受理。",
        "Once everything listed above has been supplied, the application is accepted.",
    )
    timing_zh = f"本告知书在收到申请材料（{received}）之日起五个工作日内出具（第三十二条第一款第（四）项）"
    timing_en = f"This notice is issued within 5 working days of receipt ({_iso(context['received_on'])}), Art. 32(4)"
    if due:
        timing_zh += f"，最迟出具日为{_date(due)}"
        timing_en += f"; the last day to issue it is {_iso(due)}"
    sheet.para(timing_zh + "。", timing_en + ".")
    return sheet.render()


def build_extension_notice(context: Mapping[str, Any]) -> bytes:
    """D5, the extension notice (延长期限告知书; Art. 42): the reason, the approving head (the head of
    the organ; under joint or centralised handling the head of the people's government, Art. 42(2)),
    the length (+10, or +15 working days) and the new due date.

    Keys: ``holder_name``, ``item_name``, ``reason``, ``approved_by``, ``days``, ``new_due``;
    optional ``approver`` (``"head"`` — default — or ``"government"``), ``approved_on``,
    ``original_due``."""
    kind = DocumentKind.EXTENSION_NOTICE
    _require(context, kind, "holder_name", "item_name", "reason", "approved_by", "days", "new_due")
    government = context.get("approver") == "government"
    approver_zh = "本级人民政府负责人" if government else "本行政机关负责人"
    approver_en = "the head of the people's government" if government else "the head of the organ"
    article_zh = "第四十二条第二款" if government else "第四十二条第一款"
    article_en = "Art. 42(2)" if government else "Art. 42(1)"
    sheet = _Sheet(context, kind)
    holder, item, days = context["holder_name"], context["item_name"], context["days"]
    new_due = _date(context["new_due"])
    sheet.para(f"{holder}：")
    sheet.para(
        f"你（单位）申请的“{item}”，本机关不能在法定期限内作出决定。根据《中华人民共和国行政许可法》{article_zh}，"
        f"经{approver_zh}（{context['approved_by']}）批准，作出决定的期限延长{days}个工作日，至{new_due}。",
        f"This organ cannot decide on your application for “{item}” within the statutory limit. Under "
        f"{article_en}, with the approval of {approver_en} ({context['approved_by']}), the limit is extended by "
        f"{days} working days, to {_iso(context['new_due'])}.",
    )
    sheet.section("延长期限的理由", "Reason for the extension")
    sheet.para(str(context["reason"]), indent=False)
    sheet.fields(
        [
            ("申请编号", "Application number", context["application_number"]),
            ("原决定期限", "Original due date", _date(context.get("original_due"))),
            ("延长", "Extended by", f"{days}个工作日 / {days} working days"),
            ("新的决定期限", "New due date", new_due),
            ("批准人", "Approved by", f"{context['approved_by']}（{approver_zh} / {approver_en}）"),
            ("批准日期", "Approved on", _date(context.get("approved_on"))),
        ]
    )
    return sheet.render()


def build_excluded_time_notice(context: Mapping[str, Any]) -> bytes:
    """D6, the excluded-time notice (特别程序所需时间告知书; Art. 45): which of the eight procedures
    (hearing, tendering, auction, inspection, testing, quarantine, appraisal, expert review), the
    time it is expected to need, and that this time does not count toward the time limit.

    Keys: ``holder_name``, ``item_name``, ``procedure`` (a ``PauseReason`` value or label),
    ``started_on``, ``expected_end_on``; optional ``time_needed`` (free text; by default the
    calendar days from start to expected end) and ``notice_text`` (the examiner's explanation)."""
    kind = DocumentKind.EXCLUDED_TIME_NOTICE
    _require(context, kind, "holder_name", "item_name", "procedure", "started_on", "expected_end_on")
    procedure = _lookup(context["procedure"], PauseReason.choices)
    if procedure is None:
        raise DocumentContextError(
            f"D6: {context['procedure']!r} is not one of the eight procedures of Art. 45.",
            fields={"procedure": ["Invalid."]},
        )
    name_zh, name_en = PAUSE_LABELS[procedure]
    start, end = _as_date(context["started_on"]), _as_date(context["expected_end_on"])
    needed = context.get("time_needed")
    if not needed and isinstance(start, date) and isinstance(end, date):
        span = (end - start).days + 1
        needed = f"约{span}日（{_date(start)}至{_date(end)}）/ about {span} calendar days, {start} to {end}"
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    sheet.para(f"{holder}：")
    sheet.para(
        f"你（单位）申请的“{item}”，依法需要进行{name_zh}。根据《中华人民共和国行政许可法》第四十五条，"
        f"现将所需时间书面告知如下。{name_zh}所需时间不计算在本机关作出行政许可决定的法定期限内。",
        f"Your application for “{item}” requires {name_en}. Under Art. 45 the organ tells you in writing the "
        f"time it needs. The time needed for the {name_en} does not count toward the statutory time limit.",
    )
    sheet.fields(
        [
            ("申请编号", "Application number", context["application_number"]),
            ("特别程序", "Procedure (Art. 45)", f"{name_zh} / {name_en}"),
            ("开始日期", "Starts on", _date(start)),
            ("预计结束日期", "Expected to end on", _date(end)),
            ("所需时间", "Time needed", needed),
            ("说明", "Explanation", context.get("notice_text")),
        ]
    )
    all_zh = "、".join(zh for zh, _en in PAUSE_LABELS.values())
    all_en = ", ".join(en for _zh, en in PAUSE_LABELS.values())
    sheet.para(
        f"第四十五条规定不计算在期限内的特别程序为：{all_zh}。特别程序结束后，期限自次日起继续计算。",
        f"Art. 45 excludes the time for: {all_en}. When the procedure ends, the time limit runs on from the next day.",
    )
    return sheet.render()


def build_grant_decision(context: Mapping[str, Any]) -> bytes:
    """D12, the grant decision (准予行政许可决定书; Art. 38(1), 40): written; the scope, the
    conditions and the term; the note that grant decisions are published and open to the public
    (Art. 40); and that the certificate follows within 10 working days (Art. 44).

    Keys: ``holder_name``, ``item_name``, ``scope``, ``valid_from``; optional ``valid_until``
    (none means no expiry), ``conditions``, ``legal_basis``, ``decided_on``, ``signed_by``,
    ``certificate_due``."""
    kind = DocumentKind.GRANT_DECISION
    _require(context, kind, "holder_name", "item_name", "scope", "valid_from")
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    sheet.para(f"{holder}：")
    sheet.para(
        f"你（单位）申请的“{item}”，经审查，符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第一款，"
        "本机关决定准予行政许可。",
        f"Your application for “{item}” meets the statutory conditions and standards. Under Art. 38(1) this "
        "organ grants the administrative licence.",
    )
    until = context.get("valid_until")
    term = f"{_date(context['valid_from'])} 至 to " + (_date(until) if until else "长期有效 no expiry")
    sheet.fields(
        [
            ("被许可人", "Licensee", holder),
            ("许可事项", "Licence item", item),
            ("申请编号", "Application number", context["application_number"]),
            ("法律依据", "Legal basis", context.get("legal_basis")),
            ("许可范围", "Scope", context["scope"]),
            ("附加条件", "Conditions", context.get("conditions") or "无 None"),
            ("有效期限", "Term", term),
            ("决定日期", "Decided on", _date(context.get("decided_on"))),
        ]
    )
    certificate = "本机关将自本决定作出之日起十个工作日内向你（单位）颁发、送达行政许可证件（第四十四条）"
    certificate_en = "The licence certificate is issued and served within 10 working days of this decision (Art. 44)"
    if context.get("certificate_due"):
        certificate += f"，最迟于{_date(context['certificate_due'])}"
        certificate_en += f", by {_iso(context['certificate_due'])} at the latest"
    sheet.para(certificate + "。", certificate_en + ".")
    sheet.para(
        "根据第四十条，本准予行政许可决定予以公开，载入行政许可公开目录，公众有权查阅。",
        "Under Art. 40 this grant decision is published in the public register, where the public may consult it.",
    )
    return sheet.render()


def build_denial_decision(context: Mapping[str, Any]) -> bytes:
    """D13, the denial decision (不予行政许可决定书; Art. 38(2), 55(3), 72(7)): the reasons; for a
    denial resting on inspection, testing or quarantine, the technical standard or specification
    relied on (Art. 55(3)); and the remedy block — reconsideration within 60 days to the named
    organ (Reconsideration Law 2023 Art. 20), or a lawsuit within 6 months (Administrative
    Litigation Law Art. 46).

    Keys: ``holder_name``, ``item_name``, ``reasons``, ``remedy`` (``remedy_block``'s text);
    optional ``technical_standard`` (required when ``test_based`` is true), ``legal_basis``,
    ``decided_on``, ``signed_by``."""
    kind = DocumentKind.DENIAL_DECISION
    _require(context, kind, "holder_name", "item_name", "reasons", "remedy")
    if context.get("test_based"):
        _require(context, kind, "technical_standard")
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    sheet.para(f"{holder}：")
    sheet.para(
        f"你（单位）申请的“{item}”，经审查，不符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第二款，"
        "本机关决定不予行政许可。",
        f"Your application for “{item}” does not meet the statutory conditions and standards. Under Art. 38(2) "
        "this organ denies the administrative licence.",
    )
    sheet.section("不予许可的理由", "Reasons")
    sheet.para(str(context["reasons"]), indent=False)
    if context.get("technical_standard"):
        sheet.section("所依据的技术标准、技术规范（第五十五条）", "Technical standard relied on (Art. 55)")
        sheet.para(str(context["technical_standard"]), indent=False)
    sheet.fields(
        [
            ("申请人", "Applicant", holder),
            ("申请事项", "Licence item", item),
            ("申请编号", "Application number", context["application_number"]),
            ("法律依据", "Legal basis", context.get("legal_basis")),
            ("决定日期", "Decided on", _date(context.get("decided_on"))),
        ]
    )
    sheet.section("救济途径", "Remedies")
    sheet.bilingual(context["remedy"])
    return sheet.render()


def build_licence_certificate(context: Mapping[str, Any]) -> bytes:
    """D14, the licence certificate (许可证件; Art. 39, 44): its type (Art. 39) and name, the
    licence number, holder, item, scope and validity, the issuing organ's seal, and a QR code of
    the public verification address. An electronic licence is as valid as a paper one (Decree
    716 Art. 10).

    Keys: ``licence_number``, ``token`` (the licence's ``verification_token``), ``holder_name``,
    ``item_name``, ``scope``, ``valid_from``; optional ``valid_until`` (none means no expiry),
    ``certificate_name`` (the title; default the type's name), ``certificate_type`` (a
    ``CertificateType`` value, default permit), ``issued_on``, ``territorial_scope``."""
    kind = DocumentKind.LICENCE_CERTIFICATE
    _require(context, kind, "licence_number", "token", "holder_name", "item_name", "scope", "valid_from")
    cert_type = _lookup(context.get("certificate_type") or CertificateType.PERMIT, CertificateType.choices)
    type_zh, type_en = CERTIFICATE_LABELS[cert_type or CertificateType.OTHER]
    name = context.get("certificate_name") or type_zh
    sheet = _Sheet(context, kind, title=(str(name), TITLES[kind][1]))
    until = context.get("valid_until")
    validity = f"{_date(context['valid_from'])} 至 to " + (_date(until) if until else "长期有效 no expiry")
    sheet.fields(
        [
            ("许可证编号", "Licence number", context["licence_number"]),
            ("证件类型", "Certificate type (Art. 39)", f"{type_zh} / {type_en}"),
            ("证件名称", "Certificate", name),
            ("持证人", "Holder", context["holder_name"]),
            ("许可事项", "Licence item", context["item_name"]),
            ("许可范围", "Scope", context["scope"]),
            ("地域范围", "Territorial scope (Art. 41)", context.get("territorial_scope")),
            ("有效期限", "Valid", validity),
            ("发证机关", "Issuing organ", context["organ"]),
            ("发证日期", "Issued on", _date(context.get("issued_on") or context["date"])),
            ("申请编号", "Application number", context["application_number"]),
        ]
    )
    url = verify_url(context["token"])
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    side = 34 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.hAlign = "CENTER"
    sheet.add(Spacer(1, 3 * mm))
    sheet.add(drawing)
    sheet.para(f"扫描二维码核验本证 Scan to verify this licence: {url}", indent=False)
    sheet.para(
        "电子证照与纸质证照具有同等法律效力（《国务院关于在线政务服务的若干规定》第十条）。",
        "An electronic licence has the same legal force as a paper one (Decree 716, Art. 10).",
    )
    return sheet.render()


def build_withdrawal_notice(context: Mapping[str, Any]) -> bytes:
    """W, the confirmation that the applicant withdrew the application before the decision [INT:
    the Law is silent on withdrawal; the confirmation closes the case in writing].

    Keys: ``holder_name``, ``item_name``, ``withdrawn_on``; optional ``reason``, ``received_on``."""
    kind = DocumentKind.WITHDRAWAL_NOTICE
    _require(context, kind, "holder_name", "item_name", "withdrawn_on")
    sheet = _Sheet(context, kind)
    holder, item = context["holder_name"], context["item_name"]
    withdrawn = _date(context["withdrawn_on"])
    sheet.para(f"{holder}：")
    sheet.para(
        f"你（单位）申请的“{item}”，已于{withdrawn}申请撤回。本机关确认撤回，该申请的办理程序终止。"
        "撤回申请不影响你（单位）依法重新提出申请。",
        f"You withdrew your application for “{item}” on {_iso(context['withdrawn_on'])}. This organ confirms "
        "the withdrawal and ends the procedure. You may apply again.",
    )
    sheet.fields(
        [
            ("申请人", "Applicant", holder),
            ("申请事项", "Licence item", item),
            ("申请编号", "Application number", context["application_number"]),
            ("收到申请日期", "Received on", _date(context.get("received_on"))),
            ("撤回日期", "Withdrawn on", withdrawn),
            ("撤回理由", "Reason given", context.get("reason")),
        ]
    )
    return sheet.render()


BUILDERS: dict[str, Callable[[Mapping[str, Any]], bytes]] = {
    DocumentKind.ACCEPTANCE_VOUCHER: build_acceptance_voucher,
    DocumentKind.NON_ACCEPTANCE: build_non_acceptance,
    DocumentKind.SUPPLEMENT_NOTICE: build_supplement_notice,
    DocumentKind.EXTENSION_NOTICE: build_extension_notice,
    DocumentKind.EXCLUDED_TIME_NOTICE: build_excluded_time_notice,
    DocumentKind.GRANT_DECISION: build_grant_decision,
    DocumentKind.DENIAL_DECISION: build_denial_decision,
    DocumentKind.LICENCE_CERTIFICATE: build_licence_certificate,
    DocumentKind.WITHDRAWAL_NOTICE: build_withdrawal_notice,
}


def document_render(*, kind: str, context: Mapping[str, Any]) -> bytes:
    """Render one document of ``kind`` from its complete context (no database access)."""
    try:
        builder = BUILDERS[kind]
    except KeyError:
        raise DocumentContextError(f"No document of kind {kind!r}.", code="invalid")
    return builder(context)


# --- context from the application ----------------------------------------------------------------


def document_number(*, application_number: str, kind: str, version: int) -> str:
    """The document's own number: ``{application number}-{kind}-{version}``."""
    return f"{application_number}-{kind}-{version}"


def document_base_context(*, application: Application, kind: str, version: int, issued_on: date) -> dict[str, Any]:
    """The keys every builder shares, read from the application, its item and its agency.

    ``organ``, ``organ_en``, ``organ_address``, ``organ_phone``, ``document_number``, ``date``,
    ``application_number``, ``holder_name``, ``item_name``, ``legal_basis``, ``statutory_days``,
    ``promised_days``, ``received_on``, ``accepted_on``, ``deemed``, ``certificate_type``,
    ``certificate_name``, ``territorial_scope`` and ``remedy`` (``remedy_block``)."""
    agency, item = application.agency, application.item
    holder = application.holder_name or application.applicant.get_full_name() or application.applicant.username
    return {
        "organ": agency.name,
        "organ_en": agency.name_en,
        "organ_address": agency.address,
        "organ_phone": agency.phone,
        "document_number": document_number(application_number=application.number, kind=kind, version=version),
        "date": issued_on,
        "application_number": application.number,
        "holder_name": holder,
        "item_name": item.name,
        "legal_basis": item.legal_articles,
        "statutory_days": item.statutory_days,
        "promised_days": item.promised_days,
        "received_on": timezone.localdate(application.received_at) if application.received_at else None,
        "accepted_on": application.accepted_on,
        "deemed": application.deemed_accepted,
        "certificate_type": item.certificate_type,
        "certificate_name": item.certificate_name,
        "territorial_scope": item.territorial_scope,
        "remedy": remedy_block(agency=agency),
    }


FIXED_KEYS = ("organ", "organ_en", "document_number", "date", "application_number")
"""Keys a caller cannot override: the issuing organ, the number and the date are facts of issue."""


# --- the service and the read --------------------------------------------------------------------


def document_issue(
    *,
    application: Application,
    kind: str,
    context: Mapping[str, Any],
    actor: User | None = None,
    title: str | None = None,
) -> Document:
    """Issue a new version of a written document (law.md §5): render the PDF, seal and date it,
    store it and record it with its SHA-256.

    Call it inside the caller's ``transaction.atomic()``, after the legal act it documents, with the
    application row locked (``select_for_update``): the document row then commits or rolls back
    with the act, and versions of one (application, kind) are numbered one after another. It
    refuses to run outside a transaction.

    ``context`` adds the kind's own keys (see each ``build_*``) to ``document_base_context``; it
    may override the base keys except ``FIXED_KEYS``. The version is the previous highest version
    of (application, kind) plus one; earlier versions and their files are never touched, and the
    storage never overwrites an existing file. The file is written before the transaction commits:
    if it rolls back, the file stays behind unreferenced (harmless; the next version takes a free
    name). ``issued_at`` is now; ``issued_by`` is the actor (``None`` for the sweep)."""
    if kind not in DocumentKind.values:
        raise DocumentContextError(f"No document of kind {kind!r}.", code="invalid")
    using = router.db_for_write(Document)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("document_issue must run inside the caller's transaction.atomic() block.")
    list(Application.objects.using(using).select_for_update().filter(pk=application.pk).values_list("pk"))
    previous = Document.objects.using(using).filter(application=application, kind=kind).aggregate(v=Max("version"))
    version = (previous["v"] or 0) + 1
    issued_at = timezone.now()
    base = document_base_context(
        application=application, kind=kind, version=version, issued_on=timezone.localdate(issued_at)
    )
    full = {**base, **context, **{key: base[key] for key in FIXED_KEYS}}
    pdf = document_render(kind=kind, context=full)
    title_zh, title_en = TITLES[kind]
    if kind == DocumentKind.LICENCE_CERTIFICATE and full.get("certificate_name"):
        title_zh = str(full["certificate_name"])
    document = Document(
        application=application,
        kind=kind,
        title=(title or f"{title_zh} {title_en}")[:200],
        version=version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=issued_at,
        issued_by=actor,
    )
    field = Document._meta.get_field("file")
    storage = field.storage
    name = field.generate_filename(document, f"{application.number}-{kind}-v{version}.pdf")
    name = storage.get_available_name(name, max_length=field.max_length)
    if storage.exists(name):
        raise DocumentImmutable(f"The storage would overwrite {name}; an issued file is never replaced.")
    document.file.name = storage.save(name, ContentFile(pdf), max_length=field.max_length)
    document.save(using=using)
    document_issued.send(sender=Document, document=document)
    return document


def document_read(document: Document) -> bytes:
    """The bytes of an issued document, proved identical to what was issued: the stored file's
    SHA-256 must equal the one recorded at issue. Raises ``DocumentTampered`` otherwise, or when
    the file is missing."""
    try:
        with document.file.storage.open(document.file.name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError) as error:
        raise DocumentTampered(f"{document}: the stored file is missing ({error}).")
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), document.sha256):
        raise DocumentTampered(f"{document}: the stored file does not match the SHA-256 recorded at issue.")
    return data
