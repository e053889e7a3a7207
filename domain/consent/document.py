"""The data authorisation (数据查询授权书) as a short PDF, rendered with reportlab like the
contract; the same authorisation always gives the same bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from db.models import ConsentPurpose, DataSource
from domain.contracts.document import FONT, a4_document

TITLE = "数据查询授权书"
TITLE_EN = "Data Authorisation"

SOURCE_LABELS = {
    DataSource.REGISTRATION: "工商登记信息 Business registration",
    DataSource.JUDICIAL: "司法涉诉信息 Judicial records",
    DataSource.TAX: "税务信息 Tax records",
    DataSource.PATENTS: "知识产权信息 Patents",
    DataSource.FINANCIALS: "财务报表信息 Financial statements",
    DataSource.CREDIT_BUREAU: "征信信息（担保、供应链、履约） Credit bureau",
}
PURPOSE_LABELS = {
    ConsentPurpose.APPLICATION: "贷款申请审查 Deciding loan applications",
    ConsentPurpose.MONITORING: "贷后管理与风险监测 Post-loan monitoring",
}


@dataclass(frozen=True)
class Authorisation:
    """Everything the authorisation states."""

    number: str
    issued_on: date
    enterprise_name: str
    enterprise_uscc: str
    bank_name: str
    granted_by: str
    sources: tuple[DataSource, ...]
    purposes: tuple[ConsentPurpose, ...]
    valid_from: date
    valid_until: date


def render_authorisation_pdf(auth: Authorisation) -> bytes:
    """The authorisation as PDF bytes (deterministic: same authorisation, same bytes)."""
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"{TITLE} {auth.number}",
        author=auth.enterprise_name,
        subject=f"{auth.enterprise_uscc} {auth.number}",
    )
    doc.build(_story(auth))
    return buffer.getvalue()


def _story(auth: Authorisation) -> list[Flowable]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=24, alignment=TA_CENTER)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8)
    lines = [
        f"编号 No.：{auth.number}",
        f"授权人 Authoriser：{auth.enterprise_name}（统一社会信用代码 USCC {auth.enterprise_uscc}）",
        f"被授权人 Authorised：{auth.bank_name}",
        f"授权期限 Validity：{auth.valid_from.isoformat()} 至 to {auth.valid_until.isoformat()}",
        f"经办人 Signed for the authoriser by：{auth.granted_by}",
        f"签署日期 Date：{auth.issued_on.isoformat()}",
    ]
    story: list[Flowable] = [
        Paragraph(TITLE, title),
        Paragraph(TITLE_EN, ParagraphStyle("sub", parent=body, alignment=TA_CENTER)),
        Spacer(1, 6 * mm),
        *(Paragraph(_escape(line), body) for line in lines),
        Paragraph("一、授权查询的数据 Sources", heading),
        *(Paragraph(f"· {SOURCE_LABELS[s]}", body) for s in auth.sources),
        Paragraph("二、授权用途 Purposes", heading),
        *(Paragraph(f"· {PURPOSE_LABELS[p]}", body) for p in auth.purposes),
        Paragraph("三、授权条款 Terms", heading),
        *(Paragraph(f"{n}. {text}", body) for n, text in enumerate(_terms(), start=1)),
    ]
    return story


def _terms() -> list[str]:
    return [
        "授权人同意被授权人在授权期限内，仅为上述用途，向依法设立的数据提供方查询、获取并使用上述数据。"
        " The authoriser allows the authorised bank, within the validity period and for the purposes"
        " above only, to query, obtain and use the data of the sources above.",
        "被授权人对每次查询予以记录（时间、数据来源、用途、依据的授权），授权人可随时查阅查询记录。"
        " Every query is logged (time, source, purpose, authorisation) and the authoriser may read"
        " the log at any time.",
        "授权人可随时撤回本授权；撤回后被授权人不再为贷款申请查询数据。已发放贷款的贷后监测依借款合同的贷后数据授权条款继续进行。"
        " The authoriser may revoke this authorisation at any time; after that no data is queried"
        " for applications. Monitoring of a disbursed loan continues under the loan contract's"
        " post-loan monitoring clause.",
        "本授权书以可靠电子签名（PAdES）签署，依据《中华人民共和国电子签名法》与手写签名或盖章具有同等法律效力。"
        " Signed with a reliable electronic signature (PAdES).",
    ]


def _escape(text: str) -> str:
    # Paragraph reads a small XML markup: names like "A&B 科技" must not be taken as markup.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
