"""Labels in Bahasa Indonesia first, English by a switch (cookie ``monev_lang``)."""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("id", "en")
LANG_COOKIE = "monev_lang"

# key: (Bahasa Indonesia, English)
LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("Monev e-Government Serdang Bedagai", "Serdang Bedagai e-Government M&E"),
    "nav_overview": ("Ringkasan", "Overview"),
    "nav_budget": ("Anggaran", "Budget"),
    "nav_services": ("Layanan", "Services"),
    "nav_continuity": ("Kesinambungan", "Continuity"),
    "nav_benefit": ("Manfaat anggaran", "Is the money used?"),
    "nav_audit": ("Jejak audit", "Audit trail"),
    "nav_report": ("Laporan", "Report"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "signin": ("Masuk", "Sign in"),
    "signout": ("Keluar", "Sign out"),
    "signin_as": ("Masuk sebagai", "Sign in as"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "role_auditor": ("Auditor (Inspektorat, BPK, pendamping KPK)", "Auditor"),
    "role_operator": ("Operator (pusat data Kominfo)", "Operator"),
    "role_integrator": ("Integrator OPD", "OPD integrator"),
    "lang_switch": ("English", "Bahasa Indonesia"),
    "queries": ("kueri GraphQL", "GraphQL queries"),
    "rendered_in": ("disusun dalam", "rendered in"),
    "show_queries": ("Kueri yang dipakai halaman ini", "Queries this page used"),
    "download_csv": ("Unduh CSV", "Download CSV"),
    "partial": ("Sebagian data tidak tersedia", "Some data is unavailable"),
    "gateway_down": ("Gateway tidak dapat dihubungi", "The gateway cannot be reached"),
    # overview
    "overview_intro": (
        "Satu baris per aplikasi OPD: tahap, ketersediaan, kesegaran data di Rumah, kesiapan "
        "infrastruktur, dan pejabat penanggung jawab. Masalah di atas.",
        "One row per OPD application: stage, uptime, data freshness in Rumah, infrastructure "
        "readiness and the official answerable. Problems first.",
    ),
    "col_app": ("Aplikasi", "Application"),
    "col_opd": ("OPD", "OPD"),
    "col_stage": ("Tahap", "Stage"),
    "col_uptime": ("Ketersediaan", "Uptime"),
    "col_fresh": ("Kesegaran data", "Data freshness"),
    "col_ready": ("Kesiapan infrastruktur", "Infrastructure readiness"),
    "col_owner": ("Penanggung jawab", "Answerable"),
    "col_state": ("Status", "Status"),
    "stage_planned": ("Perencanaan", "Planning"),
    "stage_development": ("Pengembangan", "Development"),
    "stage_trial": ("Uji coba", "Trial"),
    "stage_production": ("Operasional", "Production"),
    "up": ("Aktif", "Up"),
    "down": ("Mati", "Down"),
    "unknown": ("Tidak diketahui", "Unknown"),
    "since": ("sejak", "since"),
    "not_wrapped": ("Belum terhubung ke Rumah", "Not connected to Rumah"),
    "unreachable": ("Aplikasi OPD tidak terjangkau", "OPD application unreachable"),
    "last_sync": ("Sinkron terakhir", "Last sync"),
    "stale": ("Data basi", "Stale data"),
    "quarantined": ("rekaman dikarantina", "quarantined records"),
    "vacant": ("Lowong", "Vacant"),
    "dim_network": ("Jaringan", "Network"),
    "dim_dataCentre": ("Pusat data", "Data centre"),
    "dim_hardware": ("Perangkat keras", "Hardware"),
    "dim_people": ("SDM", "People"),
    "level_READY": ("siap", "ready"),
    "level_PARTIAL": ("sebagian", "partial"),
    "level_NOT_READY": ("belum siap", "not ready"),
    "not_assessed": ("Belum dinilai", "Not assessed"),
    "sev_problem": ("Bermasalah", "Problem"),
    "sev_warning": ("Perhatian", "Attention"),
    "sev_ok": ("Baik", "Good"),
    "live_on": (
        "Langsung: perubahan muncul tanpa memuat ulang",
        "Live: changes appear without reloading",
    ),
    "live_periodic": ("Diperbarui berkala", "Refreshed periodically"),
    "last_change": ("Perubahan terakhir", "Last change"),
    "ago_s": ("dtk lalu", "s ago"),
    "ago_m": ("mnt lalu", "min ago"),
    "ago_h": ("jam lalu", "h ago"),
    "ago_d": ("hari lalu", "days ago"),
    "applications": ("aplikasi", "applications"),
    "not_ready": ("Infrastruktur belum siap", "Infrastructure not ready"),
    "signin_intro": (
        "Pilih peran. Token peran dibaca dari berkas kredensial pengembangan yang ditulis "
        "oleh `rumah run`.",
        "Choose a role. Its token is read from the development credentials file written by "
        "`rumah run`.",
    ),
    "signin_oidc": ("Masuk dengan akun Pemkab", "Sign in with your regency account"),
    "signin_failed": ("Gagal masuk", "Sign-in failed"),
    "opd_scope": ("Cakupan OPD", "OPD scope"),
    "all_opds": ("Semua OPD", "All OPDs"),
    "error_title": ("Terjadi kesalahan", "Something went wrong"),
    "not_found": ("Halaman tidak ditemukan", "Page not found"),
    "forbidden": ("Tidak diizinkan", "Not allowed"),
}


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = LABELS.get(key)
        return pair[index] if pair else key

    return t
