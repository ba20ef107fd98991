"""``flask doctor`` and the manager's page of the same checks: can this deployment work, and
if not, what exactly to do. The workbook's checks are ``sheets.doctor``'s; this adds what
lives beside the workbook: the office's shared quota budget and the local journal."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from records.store import journal
from sheets import doctor as checks
from sheets.doctor import BLOCK, OK, WARN, Finding
from sheets.governor import from_config

MARK = {OK: "✓", WARN: "!", BLOCK: "✗"}


def report(config: Mapping[str, Any], instance_path: str | Path,
           probe_seconds: float = 3.0) -> list[Finding]:
    """Every check, the workbook's first; the journal's even when the workbook is out of reach."""
    governor = from_config(config, instance_path)
    found = checks.run(config, governor, probe_seconds)
    if governor is not None:
        found.append(headroom(governor))
    found.append(pending())
    return found


def blocked(findings: list[Finding]) -> bool:
    return any(f.level == BLOCK for f in findings)


def headroom(governor: Any) -> Finding:
    """What the office's processes took of the per-minute budget they share, this minute."""
    used = {k: governor.limits.get(k, 0) - governor.free(k) for k in ("read", "write")}
    limits = {k: governor.limits.get(k, 0) for k in ("read", "write")}
    said = (f"استهلكت المنصة في الدقيقة الأخيرة {used['read']} من {limits['read']} طلب قراءة "
            f"و{used['write']} من {limits['write']} طلب كتابة (كل نسخها على هذا الجهاز).")
    if (limits["read"] and used["read"] >= limits["read"]) or \
            (limits["write"] and used["write"] >= limits["write"]):
        return Finding("الحصة المشتركة", WARN, said, "الصفحات تنتظر دورها الآن؛ إن تكرر ذلك "
                       "فخفف المهام الخلفية (SYNC_INTERVAL_MINUTES) أو وزّع العمل.",
                       f"used {used} of {limits} per minute")
    return Finding("الحصة المشتركة", OK, said)


def pending() -> Finding:
    """Records kept on this machine while the workbook was out of reach (counts only)."""
    name = "السجلات المحفوظة محليًا"
    try:
        waiting = Counter(tab for _, tab, _ in journal().pending())
    except Exception as exc:
        return Finding(name, BLOCK, "تعذرت قراءة ملف السجلات المحفوظة محليًا.",
                       f"انسخ الملف {current_app.config['JOURNAL_DB']} احتياطًا وأبلغ من يدعمك.",
                       f"{type(exc).__name__}: {exc}"[:300])
    if not waiting:
        return Finding(name, OK, "لا سجلات تنتظر الإرسال إلى ملف البيانات.")
    said = "، ".join(f"{n} في «{tab}»" for tab, n in waiting.items())
    return Finding(name, WARN, f"سجلات حُفظت على هذا الجهاز حين تعذر الوصول إلى الملف وتنتظر "
                   f"الإرسال: {said}.", "تُرسل تلقائيًا متى عاد الوصول إلى الملف؛ ولإرسالها الآن "
                   "شغّل flask --app app journal بعد حل ما سبق.",
                   f"{sum(waiting.values())} journal entries pending")


def lines(findings: list[Finding]) -> list[str]:
    """The report as a terminal shows it: Arabic first, the English beside it."""
    out = []
    for f in findings:
        out.append(f"{MARK[f.level]} {f.check}: {f.said}")
        if f.fix:
            out.append(f"    الحل: {f.fix}")
        if f.detail and f.level != OK:
            out.append(f"    (English: {f.detail})")
    return out


@click.command("doctor")
@click.option("--probe-seconds", default=3.0, show_default=True,
              help="How long to measure the quota with a few small reads (0: skip).")
@with_appcontext
def doctor_command(probe_seconds: float) -> None:
    """Check this deployment and say what is wrong and how to fix it (exit 1 if work is blocked)."""
    findings = report(current_app.config, current_app.instance_path, probe_seconds)
    for line in lines(findings):
        click.echo(line)
    if blocked(findings):
        click.echo("✗ لا تعمل المنصة حتى يُصلح ما سبق. / Work is blocked until the above is fixed.")
        raise SystemExit(1)
    click.echo("✓ المنصة جاهزة للعمل. / Ready.")


def init_app(app: Flask) -> None:
    app.cli.add_command(doctor_command)
