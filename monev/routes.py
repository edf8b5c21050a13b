"""The pages, each at a stable URL (Indonesian paths), and their CSV downloads."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Coroutine
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from monev import live
from monev.i18n import translator
from monev.pages import audit, benefit, budget, continuity, overview, services
from monev.paging import follow_pages
from monev.render import lang_of
from monev.tables import Table, csv_response, pick

if TYPE_CHECKING:
    from monev.core import Monev


def overview_table(rows: list[overview.Row], t: Any) -> Table:
    table = Table(
        "ringkasan",
        [
            ("id", "id"),
            ("app", t("col_app")),
            ("opd", t("col_opd")),
            ("stage", t("col_stage")),
            ("state", t("col_state")),
            ("uptime", t("col_uptime")),
            ("service", "service"),
            ("reachable", "upstreamReachable"),
            ("last_sync", t("last_sync")),
            ("quarantined", t("quarantined")),
            ("readiness", t("col_ready")),
            ("position", t("col_owner")),
            ("holder", "holder"),
        ],
    )
    for r in rows:
        table.rows.append(
            {
                "id": r.id,
                "app": r.name,
                "opd": r.opd,
                "stage": t(f"stage_{r.stage.lower()}"),
                "state": t(overview.SEVERITY_KEY[r.severity]),
                "uptime": t(r.uptime),
                "service": r.service,
                "reachable": r.reachable,
                "last_sync": r.last_sync.isoformat() if r.last_sync else None,
                "quarantined": r.quarantined,
                "readiness": " ".join(f"{d}={v}" for d, v in (r.readiness or {}).items()),
                "position": r.owner_position,
                "holder": r.holder or t("vacant"),
            }
        )
    return table


def page_routes(monev: Monev) -> list[Route]:
    settings = monev.settings

    async def load_overview(request: Request) -> list[overview.Row]:
        user = monev.user(request)
        data = await monev.ask(user, overview.QUERY, "Ringkasan", opd=monev.opd_scope(user))
        return overview.rows_from(data, stale_after_s=settings.stale_after_s, now=monev.now())

    async def overview_page(request: Request) -> Response:
        rows = await load_overview(request)
        t = translator(lang_of(request))
        table = overview_table(rows, t)
        if pick([table], request.query_params.get("csv")):
            return csv_response(table)
        return monev.render.page(
            request,
            "overview.html",
            rows=rows,
            counts=overview.counts(rows),
            now=monev.now(),
            queries=[overview.QUERY],
            live=monev.user(request).role != "operator",
            stale_after_s=settings.stale_after_s,
        )

    async def overview_stream(request: Request) -> Response:
        user = monev.user(request)
        previous: dict[str, tuple[object, ...]] = {}

        async def render(change: dict[str, Any] | None) -> tuple[str, str]:
            rows = await load_overview(request)
            now = monev.now()
            html, first = [], not previous
            for row in rows:
                changed = not first and previous.get(row.id) != row.signature()
                previous[row.id] = row.signature()
                html.append(
                    monev.render.fragment(
                        request, "_overview_row.html", row=row, now=now, changed=changed
                    )
                )
            status = monev.render.fragment(
                request,
                "_overview_status.html",
                change=change,
                now=now,
                counts=overview.counts(rows),
            )
            return "".join(html), status

        body = live.stream(
            render,
            monev.gateway,
            user.token,
            interval_s=settings.refresh_interval_s,
            follow=user.role != "operator",
        )
        return StreamingResponse(
            body,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def more(user: Any, document: str, name: str, root: str, **variables: Any) -> Any:
        async def page(cursor: str) -> dict[str, Any]:
            data = await monev.ask(user, document, name, after=cursor, **variables)
            return dict(data[root])

        return page

    def csv_or_page(
        request: Request, tables: list[Table], template: str, **values: Any
    ) -> Response:
        chosen = pick(tables, request.query_params.get("csv"))
        if chosen is not None:
            return csv_response(chosen)
        return monev.render.page(request, template, tables=tables, **values)

    async def load_budget(user: Any, opd: str | None) -> budget.Budget:
        data = await monev.ask(user, budget.QUERY, "Anggaran", opd=opd)
        lists = {}
        for root in ("budgetLines", "disbursements", "procurementPackages"):
            extra = {} if root == "disbursements" else {"opd": opd}
            lists[root] = await follow_pages(
                data[root], await more(user, budget.MORE[root], root + "Lanjut", root, **extra)
            )
        if opd:  # SP2D have no OPD of their own: keep those of this OPD's activities
            codes = {ln["activity"]["code"] for ln in lists["budgetLines"]}
            lists["disbursements"] = [
                d for d in lists["disbursements"] if d["activity"]["code"] in codes
            ]
        names = {a["code"]: a["name"] for a in data["activities"]["items"]}
        return budget.build(
            lists["budgetLines"], lists["disbursements"], lists["procurementPackages"], names
        )

    async def budget_page(request: Request) -> Response:
        user = monev.user(request)
        t = translator(lang_of(request))
        opd = monev.opd_scope(user) or (request.query_params.get("opd") or None)
        view = await load_budget(user, opd)
        tables = budget_tables(view, t)
        return csv_or_page(
            request,
            tables,
            "budget.html",
            view=view,
            opd=opd,
            chart=json.dumps(budget.chart(view)),
            stage_label=budget.STAGE_LABEL,
            queries=[budget.QUERY],
        )

    async def load_services(user: Any) -> services.Services:
        data = await monev.ask(user, services.QUERY, "Layanan")
        permits = await follow_pages(
            data["permitApplications"],
            await more(user, services.QUERY, "Layanan", "permitApplications"),
        )
        return services.build(permits)

    async def services_page(request: Request) -> Response:
        user = monev.user(request)
        t = translator(lang_of(request))
        view = await load_services(user)
        return csv_or_page(
            request,
            services_tables(view, t),
            "services.html",
            view=view,
            chart=json.dumps(services.chart(view)),
            status_label=services.STATUS_LABEL,
            queries=[services.QUERY],
        )

    async def load_continuity(user: Any, opd: str | None, start: date, end: date) -> Any:
        data = await monev.ask(user, continuity.QUERY, "Kesinambungan", opd=opd)
        positions = await follow_pages(
            data["positions"],
            await more(user, continuity.MORE_POSITIONS, "JabatanLanjut", "positions", opd=opd),
        )
        changed, vacant = continuity.build(positions, data, start, end)
        return data, changed, vacant

    async def continuity_page(request: Request) -> Response:
        user = monev.user(request)
        t = translator(lang_of(request))
        today = monev.now().date()
        start = _date(request.query_params.get("dari"), today - timedelta(days=365))
        end = _date(request.query_params.get("sampai"), today)
        opd = monev.opd_scope(user) or (request.query_params.get("opd") or None)
        data, changed, vacant = await load_continuity(user, opd, start, end)
        history = None
        position_id = request.query_params.get("jabatan")
        if position_id:
            history = (
                await monev.ask(user, continuity.HISTORY, "RiwayatJabatan", id=position_id[:40])
            )["position"]
            if history is None:
                raise HTTPException(404, f"jabatan {position_id[:40]} tidak ada")
            duties = continuity.duties_by_position(data).get(position_id, [])
            history["duties"] = duties
        tables = continuity_tables(changed, vacant, t)
        queries = [continuity.QUERY] + ([continuity.HISTORY] if history else [])
        return csv_or_page(
            request,
            tables,
            "continuity.html",
            changed=changed,
            vacant=vacant,
            history=history,
            start=start,
            end=end,
            opd=opd,
            move_label=continuity.MOVE_LABEL,
            queries=queries,
        )

    async def audit_page(request: Request) -> Response:
        user = monev.user(request)
        params = dict(request.query_params)
        asked = audit.ledger_filter(params)
        scope = monev.opd_scope(user)  # the ledger enforces it too; saying it keeps pages full
        flt = {**asked, "opd": scope} if scope else asked
        entries_allowed = user.role != "operator"
        # head, checkpoints and verification need ledger:verify (operators and auditors)
        integrity = user.role in ("operator", "auditor")
        after = params.get("setelah") or None
        if after is None and entries_allowed and not asked:
            # the newest entries: start a window before the head (one extra small query)
            if integrity:
                head = (await monev.ask(user, audit.HEAD, "KepalaBuku"))["ledgerHead"]["seq"]
            else:
                found = await monev.ask(
                    user, audit.HISTORY_HEAD, "KepalaRiwayat", filter=flt or None
                )
                head = found["history"]["head"]
            window = audit.RECENT_WINDOW_SCOPED if scope else audit.RECENT_WINDOW
            after = str(max(0, int(head) - window))
        data = await monev.ask(
            user,
            audit.QUERY,
            "JejakAudit",
            filter=flt or None,
            after=after,
            withEntries=entries_allowed,
            withIntegrity=integrity,
        )
        history = data.get("history")
        rows = [e["node"] for e in history["edges"]] if history else []
        rows.reverse()  # newest first on screen
        table = Table(
            "jejak-audit",
            [
                ("seq", "seq"),
                ("recordedAt", "recordedAt"),
                ("service", "service"),
                ("type", "type"),
                ("entityId", "entityId"),
                ("opd", "opd"),
                ("hash", "hash"),
            ],
        )
        table.rows = [
            {
                "seq": r["seq"],
                "recordedAt": r["recordedAt"],
                "service": r["service"],
                "type": r["event"]["type"],
                "entityId": r["entityId"],
                "opd": r["event"]["opd"],
                "hash": r["hash"],
            }
            for r in rows
        ]
        return csv_or_page(
            request,
            [table],
            "audit.html",
            rows=rows,
            head=data.get("ledgerHead"),
            checkpoint=(data.get("ledgerCheckpoints") or [None])[0],
            page_info=history and history["pageInfo"],
            params=params,
            flt=flt,
            entries_allowed=entries_allowed,
            last=monev.verifications.last,
            can_verify=user.role in ("operator", "auditor"),
            live_filter=json.dumps(flt),
            queries=[audit.QUERY],
        )

    async def audit_stream(request: Request) -> Response:
        user = monev.user(request)
        if user.role == "operator":
            raise HTTPException(403, "operators see the ledger's integrity, not its entries")
        flt = audit.ledger_filter(dict(request.query_params))

        async def events() -> Any:
            yield "retry: 3000\n\n"
            try:
                async for data in monev.gateway.subscribe(
                    audit.LIVE, {"filter": flt or None}, token=user.token
                ):
                    row = monev.render.fragment(
                        request, "_audit_row.html", r=data["changes"], fresh=True
                    )
                    yield live.sse("entry", row)
            except Exception as exc:  # the page keeps working; the browser retries
                yield live.sse("feed-error", str(exc)[:200])

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    async def load_benefit(user: Any, opd: str | None) -> tuple[list[Any], bool, str]:
        with_usage = user.role != "operator"
        document = benefit.query(with_usage)
        values = benefit.variables(
            monev.now(), settings.usage_windows_days, settings.usage_count_cap, opd
        )
        if not with_usage:
            values = {"opd": values["opd"]}
        data = await monev.ask(user, document, "ManfaatAnggaran", **values)
        requests = benefit.GatewayRequests(None)
        if user.role == "auditor" and data["applications"]["items"]:  # access:read
            ids = [a["id"] for a in data["applications"]["items"]]
            requests.data = await monev.ask(user, benefit.requests_query(ids),
                                            "ManfaatPermintaan", **{k: values[k] for k in
                                            ("from30", "from90", "cap")})  # fmt: skip
            requests.ids = {app_id: i for i, app_id in enumerate(ids)}
        sources: list[benefit.UsageSource] = [benefit.LedgerEvents(data), requests]
        rows = benefit.build(
            data,
            sources,
            settings.usage_windows_days,
            min_spend=settings.flag_min_spend,
            max_events=settings.flag_max_events,
        )
        return rows, with_usage, document

    async def benefit_page(request: Request) -> Response:
        user = monev.user(request)
        rows, with_usage, document = await load_benefit(user, monev.opd_scope(user))
        table = benefit_table(rows, settings.usage_windows_days)
        return csv_or_page(
            request,
            [table],
            "benefit.html",
            rows=rows,
            windows=settings.usage_windows_days,
            with_usage=with_usage,
            min_spend=settings.flag_min_spend,
            max_events=settings.flag_max_events,
            queries=[document],
        )

    async def report_page(request: Request) -> Response:
        """Laporan: every section for one OPD (or all) and a period, printable on A4."""
        user = monev.user(request)
        t = translator(lang_of(request))
        today = monev.now().date()
        start = _date(request.query_params.get("dari"), today.replace(day=1))
        end = _date(request.query_params.get("sampai"), today)
        if start > end:
            raise HTTPException(400, "tanggal awal sesudah tanggal akhir")
        opd = monev.opd_scope(user) or (request.query_params.get("opd") or None)
        entries = user.role != "operator"
        period = {
            "opd": opd,
            "from": f"{start.isoformat()}T00:00:00+07:00",
            "to": f"{end.isoformat()}T23:59:59+07:00",
        }
        jobs: list[Coroutine[Any, Any, Any]] = [
            monev.ask(user, overview.QUERY, "Ringkasan", opd=opd),
            load_budget(user, opd),
            load_continuity(user, opd, start, end),
            load_benefit(user, opd),
            monev.ask(
                user,
                audit.REPORT if entries else audit.REPORT_INTEGRITY,
                "JejakLaporan",
                **(
                    {
                        "filter": {k: v for k, v in period.items() if v},
                        "withIntegrity": user.role == "auditor",
                    }
                    if entries
                    else {}
                ),
            ),
        ]
        with_services = opd in (None, "DPMPTSP")
        if with_services:
            jobs.append(load_services(user))
        results = await asyncio.gather(*jobs)
        rows = overview.rows_from(results[0], stale_after_s=settings.stale_after_s, now=monev.now())
        budget_view = results[1]
        _, changed, vacant = results[2]
        benefit_rows = results[3][0]
        ledger = results[4]
        services_view = results[5] if with_services else None
        tables = [
            overview_table(rows, t),
            *budget_tables(budget_view, t)[:2],
            *continuity_tables(changed, vacant, t),
            benefit_table(benefit_rows, settings.usage_windows_days),
        ]
        if services_view is not None:
            tables.extend(services_tables(services_view, t))
        count = ledger.get("history")
        return csv_or_page(
            request,
            tables,
            "report.html",
            rows=rows,
            counts=overview.counts(rows),
            budget=budget_view,
            changed=changed,
            vacant=vacant,
            benefit_rows=benefit_rows,
            services=services_view,
            head=ledger.get("ledgerHead"),
            events=count,
            last=monev.verifications.last,
            start=start,
            end=end,
            opd=opd,
            now=monev.now(),
            status_label=services.STATUS_LABEL,
            move_label=continuity.MOVE_LABEL,
            windows=settings.usage_windows_days,
            opds=sorted({r.opd for r in rows}) if not monev.opd_scope(user) else [],
        )

    def owner_of(user: Any) -> str:
        return hashlib.sha256(user.token.encode()).hexdigest()[:16]

    async def verify_start(request: Request) -> Response:
        user = monev.user(request)
        if user.role not in ("operator", "auditor"):
            raise HTTPException(403, "verification is for operators and auditors")
        monev.check_origin(request)

        async def run(job: audit.Verification) -> None:
            async def ask(document: str, name: str, **variables: Any) -> dict[str, Any]:
                return await monev.ask(user, document, name, **variables)

            await audit.verify_in_chunks(job, ask)

        job = monev.verifications.start(owner_of(user), user.name, run)
        if request.headers.get("hx-request"):
            return HTMLResponse(monev.render.fragment(request, "_verify_progress.html", job=job))
        return RedirectResponse(f"/jejak-audit?verifikasi={job.id}", status_code=303)

    async def verify_stream(request: Request) -> Response:
        user = monev.user(request)
        job = monev.verifications.runs.get(request.path_params["job"])
        if job is None or job.owner != owner_of(user):
            raise HTTPException(404, "verifikasi tidak ditemukan")

        async def events() -> Any:
            while True:
                job.changed.clear()
                yield live.sse(
                    "progress", monev.render.fragment(request, "_verify_state.html", job=job)
                )
                if job.done:
                    yield live.sse("done", "")
                    return
                await job.changed.wait()

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    return [
        Route("/ringkasan", overview_page),
        Route("/ringkasan/langsung", overview_stream),
        Route("/anggaran", budget_page),
        Route("/layanan", services_page),
        Route("/kesinambungan", continuity_page),
        Route("/manfaat-anggaran", benefit_page),
        Route("/laporan", report_page),
        Route("/jejak-audit", audit_page),
        Route("/jejak-audit/langsung", audit_stream),
        Route("/jejak-audit/verifikasi", verify_start, methods=["POST"]),
        Route("/jejak-audit/verifikasi/{job}", verify_stream),
    ]


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        raise HTTPException(400, f"tanggal tidak valid: {str(text)[:20]!r}") from None


def budget_tables(view: budget.Budget, t: Any) -> list[Table]:
    lines = Table(
        "anggaran-kegiatan",
        [
            ("opd", "OPD"),
            ("code", "kode kegiatan"),
            ("activity", "kegiatan"),
            ("dpa", "DPA"),
            ("ceiling", "pagu"),
            ("realisation", "realisasi"),
            ("percent", "persen"),
        ],
    )
    for o in view.opds:
        for ln in o.lines:
            lines.rows.append(
                {
                    "opd": o.opd,
                    "code": ln["activity"]["code"],
                    "activity": ln["activity"]["name"],
                    "dpa": ln["dpaNumber"],
                    "ceiling": ln["ceiling"],
                    "realisation": ln["realisation"],
                    "percent": ln["realisationPercent"],
                }
            )
    opds = Table(
        "anggaran-opd",
        [("opd", "OPD"), ("ceiling", "pagu"), ("realisation", "realisasi"), ("percent", "persen")],
    )
    opds.rows = [
        {
            "opd": o.opd,
            "ceiling": o.ceiling,
            "realisation": o.realisation,
            "percent": round(o.percent, 2),
        }
        for o in view.opds
    ]
    months = Table("sp2d-per-bulan", [("month", "bulan"), ("amount", "SP2D terbit")])
    months.rows = [{"month": m, "amount": v} for m, v in view.by_month]
    funnel = Table(
        "paket-per-tahap", [("stage", "tahap"), ("count", "paket"), ("ceiling", "pagu paket")]
    )
    funnel.rows = [
        {"stage": budget.STAGE_LABEL.get(s, s), "count": n, "ceiling": c} for s, n, c in view.funnel
    ]
    contracts = Table(
        "kontrak",
        [
            ("number", "nomor"),
            ("signedOn", "tanggal"),
            ("opd", "OPD"),
            ("package", "paket"),
            ("vendor", "penyedia"),
            ("value", "nilai"),
        ],
    )
    contracts.rows = list(view.contracts)
    return [opds, lines, months, funnel, contracts]


def services_tables(view: services.Services, t: Any) -> list[Table]:
    kec = Table(
        "izin-per-kecamatan",
        [
            ("kecamatan", "kecamatan"),
            *((s, services.STATUS_LABEL[s]) for s in services.STATUSES),
            ("breaches", "lewat SLA"),
        ],
    )
    kec.rows = [{"kecamatan": k, **counts, "breaches": b} for k, counts, b in view.by_kecamatan]
    late = Table(
        "izin-lewat-sla",
        [
            ("id", "nomor"),
            ("permitTypeName", "jenis izin"),
            ("kecamatan", "kecamatan"),
            ("status", "status"),
            ("submittedOn", "diajukan"),
            ("slaDeadline", "batas SLA"),
        ],
    )
    late.rows = list(view.open_breaches)
    return [kec, late]


def continuity_tables(changed: list[Any], vacant: list[Any], t: Any) -> list[Table]:
    moves = Table(
        "pergantian-pejabat",
        [
            ("position", "jabatan"),
            ("opd", "OPD"),
            ("start", "TMT"),
            ("kind", "jenis"),
            ("employee", "pejabat"),
            ("decree", "SK"),
            ("activities", "kegiatan"),
            ("packages", "paket"),
            ("permits", "izin"),
            ("applications", "aplikasi"),
        ],
    )
    for v in changed:
        for a in v.changes:
            moves.rows.append(
                {
                    "position": v.name,
                    "opd": v.opd,
                    "start": a["start"],
                    "kind": continuity.MOVE_LABEL.get(a["kind"], a["kind"]),
                    "employee": (a.get("employee") or {}).get("name"),
                    "decree": a["decree"],
                    "activities": v.duty_count("activity"),
                    "packages": v.duty_count("package"),
                    "permits": v.duty_count("permit"),
                    "applications": v.duty_count("application"),
                }
            )
    empty = Table(
        "jabatan-lowong",
        [
            ("position", "jabatan"),
            ("opd", "OPD"),
            ("activities", "kegiatan"),
            ("packages", "paket"),
            ("permits", "izin"),
            ("applications", "aplikasi"),
        ],
    )
    empty.rows = [
        {
            "position": v.name,
            "opd": v.opd,
            "activities": v.duty_count("activity"),
            "packages": v.duty_count("package"),
            "permits": v.duty_count("permit"),
            "applications": v.duty_count("application"),
        }
        for v in vacant
    ]
    return [moves, empty]


def benefit_table(rows: list[benefit.AppBenefit], windows: tuple[int, int]) -> Table:
    w1, w2 = windows
    table = Table(
        "manfaat-anggaran",
        [
            ("id", "aplikasi"),
            ("opd", "OPD"),
            ("stage", "tahap"),
            ("allotted", "alokasi"),
            ("spent", "terpakai"),
            ("service", "layanan Rumah"),
            (f"events{w1}", f"peristiwa {w1} hari"),
            (f"events{w2}", f"peristiwa {w2} hari"),
            (f"requests{w1}", f"permintaan {w1} hari"),
            ("flag", "ditandai"),
            ("reason", "alasan"),
        ],
    )
    for r in rows:
        ev, rq = r.usage.get("events", {}), r.usage.get("requests", {})
        table.rows.append(
            {
                "id": r.id,
                "opd": r.opd,
                "stage": r.stage,
                "allotted": r.allotted.quantize(1),
                "spent": r.spent.quantize(1),
                "service": r.service,
                f"events{w1}": ev.get(w1),
                f"events{w2}": ev.get(w2),
                f"requests{w1}": rq.get(w1),
                "flag": "ya" if r.flagged else "tidak",
                "reason": r.reason,
            }
        )
    return table
