"""Every Monev page in a real browser, from real data of the running hub; the money-used flag
for an application given spend and no use; the operator's verification with progress; phone
width; the language switch."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import RunningHub, screenshot, sign_in

PAGES = (
    "ringkasan",
    "anggaran",
    "layanan",
    "kesinambungan",
    "manfaat-anggaran",
    "jejak-audit",
    "laporan",
)


def rupiah(value: float) -> str:
    return "Rp " + f"{round(value):,}".replace(",", ".")


def open_page(page: Page, hub: RunningHub, path: str) -> int:
    """Go to ``path``; the query count the server reported, checked against the footer."""
    response = page.goto(f"{hub.hub.monev}/{path}")
    assert response is not None and response.status == 200, path
    count = int(response.headers["x-monev-queries"])
    expect(page.locator("#debug-footer [data-queries]")).to_have_text(str(count))
    return count


def test_anggaran_totals_are_the_budget_lines_through_the_gateway(
    page: Page, hub: RunningHub
) -> None:
    lines = hub.graphql("{ budgetLines(first: 200) { items { ceiling realisation } } }")
    items = lines["budgetLines"]["items"]
    open_page(page, hub, "anggaran")
    ceiling = sum(float(i["ceiling"]) for i in items)
    expect(page.locator("#total-ceiling")).to_have_text(rupiah(ceiling))
    expect(page.locator("#total-realisation")).to_have_text(
        rupiah(sum(float(i["realisation"]) for i in items))
    )
    expect(page.locator("canvas[data-chart][data-drawn]")).to_have_count(1)  # Chart.js drew it
    screenshot(page, "anggaran")


def test_layanan_counts_every_permit_application(page: Page, hub: RunningHub) -> None:
    total, after = 0, None
    while True:
        query = "query($a: String) { permitApplications(first: 200, after: $a) " + (
            "{ items { id } nextCursor } }"
        )
        part = hub.graphql(query, a=after)["permitApplications"]
        total += len(part["items"])
        after = part["nextCursor"]
        if not after:
            break
    open_page(page, hub, "layanan")
    expect(page.locator("#permit-total")).to_have_text(f"{total:,}".replace(",", "."))
    screenshot(page, "layanan")


def test_kesinambungan_shows_the_history_of_one_position(page: Page, hub: RunningHub) -> None:
    position = hub.graphql(
        '{ position(id: "4010") { name holder { name } assignments { decree } } }'
    )["position"]
    assert open_page(page, hub, "kesinambungan?jabatan=4010") == 2
    section = page.locator("#riwayat")
    expect(section.locator("#riwayat-h")).to_contain_text(position["name"])
    holder = position["holder"]["name"] if position["holder"] else "Lowong"
    expect(section).to_contain_text(holder)
    expect(section.locator("tbody tr")).to_have_count(max(1, len(position["assignments"])))
    screenshot(page, "kesinambungan")


def test_jejak_audit_shows_the_ledger_head_and_its_newest_entries(
    page: Page, hub: RunningHub
) -> None:
    head = hub.graphql("{ ledgerHead { seq } }")["ledgerHead"]["seq"]
    open_page(page, hub, "jejak-audit")
    shown = int(page.locator("#ledger-head").inner_text().lstrip("#").replace(".", ""))
    assert shown >= head
    first = int(page.locator("#audit-rows tr.entry").first.get_attribute("data-seq") or 0)
    assert first >= head - 1  # newest first
    screenshot(page, "jejak-audit")


def test_the_money_flag_appears_for_an_application_given_spend_and_no_use(
    page: Page, hub: RunningHub
) -> None:
    year = date.today().year
    hub.admin(
        "registry",
        "inject/aplikasi",
        {
            "id_aplikasi": "uji-manfaat",
            "nama_aplikasi": "Aplikasi Uji Manfaat",
            "keterangan": "",
            "opd_pemilik": "UKPBJ",
            "jabatan_pemilik": "7010",
            "kd_tahap": 3,
            "tgl_tahap": "01-02-2026",
            "alamat_url": "https://uji.serdangbedagaikab.go.id",
        },
    )
    hub.admin(
        "registry",
        "aksi/danai",
        {"id_aplikasi": "uji-manfaat", "kode_kegiatan": "4.01.05.2.07", "porsi_persen": 100},
    )
    row = page.locator("#manfaat-uji-manfaat")
    for _ in range(100):  # until the registry service has pulled the new records
        open_page(page, hub, "manfaat-anggaran")
        if row.count() and "4.01.05.2.07" in row.inner_text():
            break
        page.wait_for_timeout(300)
    expect(row).to_have_attribute("data-flagged", "false")  # no spend yet: nothing to flag
    hub.admin("finance", "aksi/tambah_anggaran", {"kode_kegiatan": "4.01.05.2.07"})
    sp2d = hub.admin(
        "finance",
        "aksi/ajukan_sp2d",
        {"id_anggaran": f"{year}-4.01.05.2.07", "nilai_sp2d": "50.000.000,00"},
    )
    number = sp2d["changed"][0]["record"]["nomor_sp2d"]
    hub.admin("finance", "aksi/terbitkan_sp2d", {"nomor_sp2d": number})
    for _ in range(100):  # until finance has the realisation
        open_page(page, hub, "manfaat-anggaran")
        if row.get_attribute("data-flagged") == "true":
            break
        page.wait_for_timeout(300)
    expect(row).to_have_attribute("data-flagged", "true")
    expect(row.locator(".spent")).to_contain_text("Rp 50.000.000")
    expect(row.locator(".money-flag")).to_have_text("⚑ Dibelanjakan, pemakaian tidak terlihat")
    expect(page.locator("#manfaat-sicantik")).to_have_attribute("data-flagged", "false")
    screenshot(page, "manfaat-anggaran")


def test_an_operator_runs_a_verification_and_sees_its_progress(
    context: BrowserContext, hub: RunningHub
) -> None:
    page = context.new_page()
    sign_in(page, hub, "operator", "/jejak-audit")
    expect(page.locator("#audit-rows")).to_have_count(0)  # operators see integrity only
    page.get_by_role("button", name="Jalankan verifikasi").click()
    state = page.locator("#verify-run .verify-state")
    expect(state).to_have_count(1)
    expect(state).to_have_attribute("data-done", "true", timeout=60_000)
    expect(state).to_have_attribute("data-ok", "true")
    expect(state).to_contain_text("Utuh")
    page.reload()
    expect(page.locator("#verification")).to_contain_text("Utuh")  # the last result stays
    screenshot(page, "jejak-audit-verifikasi")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_phone_screen(
    context: BrowserContext, hub: RunningHub, path: str
) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, hub, "auditor", f"/{path}")
    expect(page.locator("main h1")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"


def test_english_is_one_switch_away(page: Page, hub: RunningHub) -> None:
    open_page(page, hub, "ringkasan")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", name="Ringkasan", exact=True)).to_be_visible()


def test_every_table_downloads_as_csv(page: Page, hub: RunningHub) -> None:
    open_page(page, hub, "anggaran")
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh CSV: anggaran-opd").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "OPD,pagu,realisasi,persen"
    assert len(text.splitlines()) > 5


def test_the_report_prints_to_a4_pdf_with_every_section(page: Page, hub: RunningHub) -> None:
    open_page(page, hub, "laporan?dari=2026-01-01")
    sections = [
        "#bagian-ringkasan",
        "#bagian-anggaran",
        "#bagian-layanan",
        "#bagian-kesinambungan",
        "#bagian-manfaat",
        "#bagian-jejak",
    ]
    page.emulate_media(media="print")
    for section in sections:
        expect(page.locator(section)).to_be_visible()
    for hidden in ("nav.nav", "form.filters", "footer.foot"):
        expect(page.locator(hidden)).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 2
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)
    target = screenshot(page, "laporan").with_suffix(".pdf")
    target.write_bytes(pdf)
    page.emulate_media(media="screen")
    screenshot(page, "laporan")
