"""Render a loan contract as PDF with reportlab; the same terms always give the same bytes."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from domain.contracts.terms import CENT, MONITORING_CLAUSE, MONITORING_CLAUSE_MARK, ContractTerms
from domain.errors import InvalidInput

# A CID font the PDF viewer supplies (Adobe-GB1): Chinese renders without shipping font files.
FONT = "STSong-Light"
TITLE = "知识产权质押贷款合同"
TITLE_EN = "Intellectual Property Pledged Loan Contract"

# Codes of domain.products.RepaymentMethod, written out; any other text prints as is.
REPAYMENT_LABELS = {
    "EQUAL_INSTALLMENT": "等额本息 Equal installments",
    "EQUAL_PRINCIPAL": "等额本金 Equal principal",
    "INTEREST_ONLY": "按月付息、到期还本 Interest monthly, principal at maturity",
}

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿")


def render_contract_pdf(terms: ContractTerms) -> bytes:
    """Render the contract for `terms` as PDF bytes (deterministic: same terms, same bytes)."""
    styles = _styles()
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"{TITLE} {terms.contract_number}",
        author=terms.lender_name,
        subject=f"{terms.borrower_name} {terms.contract_number}",
        keywords=MONITORING_CLAUSE_MARK,
    )

    def footer(canvas: Canvas, template: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(20 * mm, 12 * mm, f"合同编号 {terms.contract_number}")
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"第 {template.page} 页")
        canvas.restoreState()

    doc.build(_story(terms, styles), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def amount_in_chinese(amount: Decimal) -> str:
    """Write an amount in Chinese capital numerals as on bank documents (人民币…元…角…分/整)."""
    if not amount.is_finite() or amount < 0:
        raise InvalidInput("amount must be a finite non-negative Decimal")
    cents = int((amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan >= 10**12:
        raise InvalidInput("amount too large to write in words")
    text = ""
    if yuan:
        text = _integer_in_chinese(yuan) + "元"
    if jiao == 0 and fen == 0:
        return "人民币" + (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return "人民币" + text


def format_money(amount: Decimal) -> str:
    """Thousands-separated amount with two decimals: 1,234,567.80."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_rate(rate: Decimal) -> str:
    """A fraction as a percentage with 2 to 4 decimals: 0.0435 -> 4.35%."""
    text = f"{rate * 100:.4f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}%"


def _integer_in_chinese(number: int) -> str:
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    text = ""
    zero_pending = False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero_pending = bool(text)
            continue
        if text and (group < 1000 or zero_pending):
            text += "零"
        text += _group_in_chinese(group) + _GROUP_UNITS[index]
        zero_pending = False
    return text


def _group_in_chinese(group: int) -> str:
    text = ""
    zero = False
    for position in (3, 2, 1, 0):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS[digit] + _SMALL_UNITS[position]
    return text


@cache
def a4_document(
    buffer: io.BytesIO, *, title: str, author: str, subject: str, keywords: str = ""
) -> SimpleDocTemplate:
    """An A4 document with 20 mm margins and the CJK font registered; its creation date and
    document id are fixed, so the file's hash depends on its content only."""
    _register_font()
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="ipcredit",
        keywords=keywords,
        invariant=1,
    )


def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=2
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, alignment=TA_CENTER, textColor=colors.grey
        ),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "number": ParagraphStyle("number", parent=base, fontSize=9, leading=12, alignment=TA_RIGHT),
        "clause": ParagraphStyle("clause", parent=base, firstLineIndent=0, spaceAfter=3),
    }


def _story(terms: ContractTerms, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    body, heading = styles["body"], styles["heading"]
    story: list[Flowable] = [
        Paragraph(TITLE, styles["title"]),
        Paragraph(TITLE_EN, styles["subtitle"]),
        Spacer(1, 6 * mm),
        _grid(
            [
                ["合同编号 Contract No.", terms.contract_number],
                ["签订日期 Date", terms.issued_on.isoformat()],
                ["贷款人（甲方）Lender", terms.lender_name],
                ["借款人（乙方）Borrower", terms.borrower_name],
                ["统一社会信用代码 USCC", terms.borrower_uscc],
            ],
            styles,
            widths=(55 * mm, 115 * mm),
            header=False,
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            "甲乙双方根据《中华人民共和国民法典》等法律法规，经平等协商，"
            "就乙方以其知识产权出质向甲方借款事宜订立本合同，共同遵守。",
            body,
        ),
        Paragraph("第一条 贷款要素 Loan terms", heading),
        _grid(
            [
                ["贷款产品 Product", terms.product_name],
                ["币种 Currency", terms.currency],
                [
                    "贷款本金 Principal",
                    f"{format_money(terms.principal)}（{amount_in_chinese(terms.principal)}）",
                ],
                ["年利率 Annual rate", format_rate(terms.annual_rate)],
                ["贷款期限 Term", f"{terms.term_months} 个月 months"],
                [
                    "还款方式 Repayment",
                    REPAYMENT_LABELS.get(terms.repayment_method, terms.repayment_method),
                ],
                ["贷款用途 Purpose", terms.purpose],
            ],
            styles,
            widths=(55 * mm, 115 * mm),
            header=False,
        ),
        Paragraph("第二条 还款计划 Repayment schedule", heading),
        _schedule_table(terms, styles),
        Paragraph("第三条 质押专利 Pledged patents", heading),
        _patents_table(terms, styles),
        Paragraph("第四条 其他约定 Clauses", heading),
    ]
    story.extend(
        Paragraph(f"{number}. {_escape(text)}", styles["clause"])
        for number, text in enumerate(_clauses(terms), start=1)
    )
    story.append(Spacer(1, 8 * mm))
    story.append(KeepTogether([_signature_blocks(terms, styles)]))
    return story


def _clauses(terms: ContractTerms) -> list[str]:
    return [
        f"借款用途：乙方应将贷款用于{terms.purpose}，不得挪作他用，"
        "不得用于股本权益性投资、证券或房地产投机。",
        "计息：贷款按实际用款天数计息，日利率 = 年利率 / 360；"
        "乙方应按第二条还款计划按期足额偿还本金及利息。",
        "提前还款：乙方可提前十个工作日书面申请提前还款，经甲方同意后按实际使用天数计息。",
        "质押担保：乙方以第三条所列专利权出质，并应在本合同生效后十个工作日内配合办理专利权质押登记；"
        "质押期间未经甲方书面同意，乙方不得转让、许可、放弃出质专利，并应按时缴纳专利年费。",
        "贷后管理：乙方同意甲方通过工商、司法、税务、知识产权等公开及经授权的渠道持续了解其经营与涉诉情况，"
        "乙方发生股权变更、重大诉讼、专利失效或被质押、经营异常等事项的，应在五个工作日内书面告知甲方。",
        MONITORING_CLAUSE,
        "违约责任：乙方逾期还款的，逾期部分自逾期之日起按本合同年利率上浮百分之五十计收罚息；"
        "乙方违反本合同约定或出现可能危及贷款安全的情形的，甲方有权宣布贷款提前到期并处分质押专利。",
        "电子签名：本合同以可靠电子签名（PAdES）签署，乙方签名使用平台为其签发的数字证书，"
        "甲方签名在乙方签名之后加附。依据《中华人民共和国电子签名法》，"
        "可靠的电子签名与手写签名或者盖章具有同等的法律效力；签署后对本文件的任何改动均可被识别。",
        "争议解决：因本合同发生的争议，由双方协商解决；协商不成的，向甲方所在地人民法院提起诉讼。",
        "生效：本合同自甲乙双方电子签名完成之日起生效，至乙方清偿本合同项下全部债务之日终止。",
    ]


def _schedule_table(terms: ContractTerms, styles: dict[str, ParagraphStyle]) -> Table:
    rows: list[list[str]] = [
        ["期数 No.", "到期日 Due date", "本金 Principal", "利息 Interest", "合计 Total"]
    ]
    rows.extend(
        [
            str(row.number),
            row.due_on.isoformat(),
            format_money(row.principal),
            format_money(row.interest),
            format_money(row.total),
        ]
        for row in terms.schedule
    )
    rows.append(
        [
            "合计 Total",
            "",
            format_money(terms.total_principal),
            format_money(terms.total_interest),
            format_money(terms.total_principal + terms.total_interest),
        ]
    )
    table = _grid(
        rows,
        styles,
        widths=(22 * mm, 34 * mm, 38 * mm, 38 * mm, 38 * mm),
        header=True,
        right_columns=(2, 3, 4),
    )
    table.setStyle(TableStyle([("SPAN", (0, -1), (1, -1))]))
    return table


def _patents_table(terms: ContractTerms, styles: dict[str, ParagraphStyle]) -> Table:
    rows: list[list[str]] = [
        ["序号 No.", "专利号 Patent number", "名称 Title", "评估价值 Appraised"]
    ]
    rows.extend(
        [
            str(index),
            patent.number,
            patent.title,
            "" if patent.appraised_value is None else format_money(patent.appraised_value),
        ]
        for index, patent in enumerate(terms.patents, start=1)
    )
    if not terms.patents:
        rows.append(["", "无 None", "", ""])
    return _grid(
        rows, styles, widths=(18 * mm, 42 * mm, 75 * mm, 35 * mm), header=True, right_columns=(3,)
    )


def _signature_blocks(terms: ContractTerms, styles: dict[str, ParagraphStyle]) -> Table:
    cell = styles["body"]

    def block(role: str, name: str) -> list[Flowable]:
        return [
            Paragraph(role, cell),
            Paragraph(f"名称：{_escape(name)}", cell),
            Spacer(1, 4 * mm),
            Paragraph("电子签名：见本文件数字签名 (digitally signed)", cell),
            Paragraph("签署日期：以数字签名时间为准", cell),
        ]

    table = Table(
        [[block("贷款人（甲方）Lender", terms.lender_name),
          block("借款人（乙方）Borrower", terms.borrower_name)]],
        colWidths=(85 * mm, 85 * mm),
    )  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (0, 0), 0.5, colors.black),
                ("BOX", (1, 0), (1, 0), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 18),
            ]
        )
    )
    return table


def _grid(
    rows: list[list[str]],
    styles: dict[str, ParagraphStyle],
    *,
    widths: tuple[float, ...],
    header: bool,
    right_columns: tuple[int, ...] = (),
) -> Table:
    cell, number = styles["cell"], styles["number"]
    data = [
        [
            Paragraph(_escape(text), number if col in right_columns and row else cell)
            for col, text in enumerate(cells)
        ]
        for row, cells in enumerate(rows)
    ]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF5")))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")))
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(TableStyle(commands))
    return table


def _escape(text: str) -> str:
    # Paragraph reads a small XML markup: names like "A&B 科技" must not be taken as markup.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
