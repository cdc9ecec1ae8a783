"""The printable card, front and back, as SVG drawn from the chip's own contents (DG13 for
the fields, DG2 for the photo, the stored QR text and MRZ): what is printed is what the
chip signs. SVG, not PDF: the browser prints it at the ID-1 size (85.6 × 53.98 mm) with
its own fonts, so no font ships with the service; the MRZ asks for a monospace face and
is stretched to its line width whichever the printer has.

The layout follows the 2024 card (căn cước): the photo and identity on the front; the
residence, dates, issuer, QR code and the three MRZ lines on the back.
"""

from __future__ import annotations

import base64
import re
import textwrap
from typing import Final, Literal

from markupsafe import escape

from dinhdanh.enrollment import card_qr
from dinhdanh.enrollment.card_text import SEX_LABELS
from dinhdanh.enrollment.chip import FaceImage, VietnameseData

Side = Literal["front", "back"]
SIDES: Final = ("front", "back")
WIDTH, HEIGHT = 856, 540  # tenths of a millimetre
_FONT: Final = "'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
_MONO: Final = "'OCR-B', 'OCR B', 'DejaVu Sans Mono', 'Liberation Mono', monospace"
_RED: Final = "#a3141c"
_INK: Final = "#1b1f24"
_LABEL: Final = "#4b5563"


def _text(x: float, y: float, value: str, size: float, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x}" y="{y}" font-size="{size}"{extra}>{escape(value)}</text>'


def _field(x: float, y: float, label: str, value: str, *, size: float = 26, wrap: int = 0) -> str:
    """A bilingual label above its value (the value wrapped over lines when long)."""
    parts = [_text(x, y, label, 15, fill=_LABEL)]
    lines = textwrap.wrap(value, wrap) if wrap else [value]
    for i, line in enumerate(lines[:3] or [""]):
        parts.append(_text(x, y + 28 + i * (size + 4), line, size, font_weight="bold"))
    return "".join(parts)


def _date(day: object) -> str:
    return day.strftime("%d/%m/%Y") if hasattr(day, "strftime") else "Không thời hạn"


def _frame(body: str, side: Side) -> bytes:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="85.6mm" '
        f'height="53.98mm" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{escape(_FONT)}" '
        f'fill="{_INK}" role="img" aria-label="{side}">'
        f'<rect x="2" y="2" width="{WIDTH - 4}" height="{HEIGHT - 4}" rx="32" '
        f'fill="#fbf7ef" stroke="#c9b98f" stroke-width="3"/>'
        f"{body}</svg>"
    )
    return svg.encode()


def front(data: VietnameseData, face: FaceImage) -> bytes:
    """The front: header, photo, personal ID, name, date of birth, sex, nationality."""
    photo = base64.b64encode(face.image).decode()
    body = "".join(
        [
            _text(WIDTH / 2, 46, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 24,
                  text_anchor="middle", font_weight="bold"),
            _text(WIDTH / 2, 74, "Độc lập - Tự do - Hạnh phúc", 20, text_anchor="middle"),
            _text(WIDTH / 2, 118, "CĂN CƯỚC", 40, text_anchor="middle",
                  font_weight="bold", fill=_RED),
            _text(WIDTH / 2, 144, "IDENTITY CARD", 18, text_anchor="middle", fill=_RED),
            '<rect x="38" y="178" width="224" height="294" fill="#fff" stroke="#c9b98f"/>',
            f'<image x="40" y="180" width="220" height="290" preserveAspectRatio="xMidYMid slice" '
            f'href="data:{face.media_type};base64,{photo}"/>',
            _field(300, 186, "Số định danh cá nhân / Personal identification number",
                   data.personal_id, size=34),
            _field(300, 266, "Họ, chữ đệm và tên khai sinh / Full name",
                   data.full_name.upper(), wrap=34),
            _field(300, 360, "Ngày, tháng, năm sinh / Date of birth", _date(data.birth_date)),
            _field(620, 360, "Giới tính / Sex", SEX_LABELS.get(data.sex, data.sex)),
            _field(300, 430, "Quốc tịch / Nationality", data.nationality),
        ]
    )  # fmt: skip
    return _frame(body, "front")


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def _qr(text: str, x: int, y: int, size: int) -> str:
    """The card's QR code drawn at (x, y), `size` wide, as a nested SVG."""
    inner = card_qr.qr_svg(text, scale=1, border=0).decode()
    # segno draws one unit per module, the symbol's width in modules on its root element.
    modules = re.search(r'width="(\d+)"', inner)
    side = modules.group(1) if modules else "0"
    view = f"0 0 {side} {side}"
    body = _SVG_OPEN.sub("", inner, count=1).replace("</svg>", "")
    return (
        f'<rect x="{x - 8}" y="{y - 8}" width="{size + 16}" height="{size + 16}" fill="#fff"/>'
        f'<svg x="{x}" y="{y}" width="{size}" height="{size}" viewBox="{view}" '
        f'shape-rendering="crispEdges">{body}</svg>'
    )


def back(data: VietnameseData, qr_text: str, mrz: list[str]) -> bytes:
    """The back: residence, place of origin, dates, issuer, QR code and the MRZ."""
    mrz_lines = "".join(
        _text(48, 416 + i * 40, line, 32, font_family=_MONO, textLength="752",
              lengthAdjust="spacingAndGlyphs")
        for i, line in enumerate(mrz)
    )  # fmt: skip
    body = "".join(
        [
            _field(40, 44, "Nơi cư trú / Place of residence", data.residence, size=22, wrap=44),
            _field(40, 170, "Quê quán / Place of origin", data.place_of_origin, size=22, wrap=44),
            _field(40, 268, "Ngày, tháng, năm cấp / Date of issue", _date(data.issue_date),
                   size=22),
            _field(330, 268, "Có giá trị đến / Date of expiry", _date(data.expiry), size=22),
            _text(40, 360, "BỘ CÔNG AN", 22, font_weight="bold"),
            _text(40, 382, "MINISTRY OF PUBLIC SECURITY", 14, fill=_LABEL),
            _qr(qr_text, 640, 40, 180),
            f'<rect x="28" y="388" width="{WIDTH - 56}" height="132" rx="8" fill="#fff"/>',
            mrz_lines,
        ]
    )  # fmt: skip
    return _frame(body, "back")
