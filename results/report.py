"""Comparison reports: one list of blocks, written as Markdown and as self-contained HTML.

The content is built once (`compare_blocks`) from plain blocks (headings, paragraphs, bullet
lists, tables, figures); `to_markdown` and `to_html` render the same blocks, so the two files
always say the same thing. Inline markup is limited to ``code`` and **bold**. The HTML embeds
the PNG figures (base64), so it can be mailed on its own; the Markdown links them.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from results.analysis import HEADLINE, METRICS
from results.outcomes import OUTCOMES


@dataclass(frozen=True)
class Heading:
    """A section heading (level 1-3)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    """A paragraph."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bullet list."""

    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    """A table; the first column is left-aligned, the others right-aligned."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Figure:
    """A PNG in the report's folder, with a caption."""

    file: str
    caption: str


type Block = Heading | Para | Bullets | Table | Figure


def fmt(value: float | None) -> str:
    """A number with about four significant digits; thousands separators from 1,000."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    decimals = min(6, max(0, 3 - math.floor(math.log10(abs(value)))))
    return f"{value:.{decimals}f}"


def fmt_ci(ci: Sequence[float | None]) -> str:
    """A 95% interval as ``[low, high]``."""
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


# --- rendering -------------------------------------------------------------------------------


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown."""
    parts = []
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(f"{'#' * b.level} {b.text}")
        elif isinstance(b, Para):
            parts.append(b.text)
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Table):
            cells = [[c.replace("|", "\\|") for c in row] for row in [b.header, *b.rows]]
            align = ["---", *["---:"] * (len(b.header) - 1)]
            lines = [cells[0], align, *cells[1:]]
            parts.append("\n".join("| " + " | ".join(row) + " |" for row in lines))
        else:
            parts.append(f"![{b.caption}]({b.file})\n\n*{b.caption}*")
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    """Escape HTML, then turn ``code`` and **bold** into tags."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:4px 8px}th{background:#f0f3f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}
figcaption{font-style:italic;color:#444}code{background:#f4f4f4;padding:0 3px}"""


def to_html(blocks: Sequence[Block], title: str, folder: Path) -> str:
    """Render blocks as one HTML page; figures are read from `folder` and embedded."""
    parts = []
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            parts.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Bullets):
            items = "".join(f"<li>{_inline(i)}</li>" for i in b.items)
            parts.append(f"<ul>{items}</ul>")
        elif isinstance(b, Table):

            def row(cells: Sequence[str], tag: str) -> str:
                return (
                    "<tr>"
                    + "".join(
                        f"<{tag}{'' if i == 0 else ' class=num'}>{_inline(c)}</{tag}>"
                        for i, c in enumerate(cells)
                    )
                    + "</tr>"
                )

            body = "".join(row(r, "td") for r in b.rows)
            parts.append(
                f"<table><thead>{row(b.header, 'th')}</thead><tbody>{body}</tbody></table>"
            )
        else:
            data = base64.b64encode((folder / b.file).read_bytes()).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(b.caption)}"><figcaption>{_inline(b.caption)} '
                f'(<a href="{html.escape(b.file)}">{html.escape(b.file)}</a>)'
                "</figcaption></figure>"
            )
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def write_report(blocks: Sequence[Block], title: str, folder: Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` to `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    md, page = folder / "report.md", folder / "report.html"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    page.write_text(to_html(blocks, title, folder), encoding="utf-8")
    return md, page


SYNTHETIC_WARNING = (
    "**Warning: SYNTHETIC data.** The bundled training posts and consultants by trust are a "
    "synthetic baseline (`sim/england/SOURCES.md`): real post-level data are not public, so "
    "they are calibrated to public national totals and spread over trusts by documented rules. "
    "Read differences between policies, not absolute numbers, as the model's message."
)


def warning_block(data: str | None) -> Para:
    """The SYNTHETIC-data warning for the top of a report (none for the user's own data)."""
    if data and not data.startswith("bundled"):
        return Para(f"Data: {data} (the user's own data directory).")
    return Para(SYNTHETIC_WARNING)


INTERVALS_TEXT = (
    "Every interval is a 95% interval of the mean over the replicate seeds (Student's t): if the "
    "model were rerun on many more seeds, the mean would fall inside it 95 times in 100. It shows "
    "simulation noise only, not uncertainty in the data or in the model's assumptions."
)


# --- the comparison report -------------------------------------------------------------------


@dataclass
class CompareContext:
    """Everything the comparison report shows (built by `traineeflow compare`)."""

    base: str
    others: list[str]
    descriptions: dict[str, str]
    master_seed: int
    seeds: list[int]
    years: int
    base_year: int
    comparisons: dict[str, dict[str, dict[str, Any]]]  # other -> metric -> paired_comparison
    regions: dict[str, str]  # region code -> name
    coverage_end: dict[str, dict[str, dict[str, Any]]]  # other -> region -> paired_comparison
    years_within: dict[str, dict[str, tuple[float | None, int]]]  # scen -> region -> (med, n)
    figures: list[tuple[str, str]]  # (file, caption)
    provenance: dict[str, Any] = field(default_factory=dict)


FINDINGS = ("fair_share_gap_end", "icb_gini_end", "north_coverage_end")  # the summary's three


def _finding(name: str, v: Mapping[str, Any], base: str, other: str) -> str:
    """One plain sentence: both means, the difference with its percent change and interval."""
    o = OUTCOMES[name]
    pct = f", {v['diff'] / abs(v['mean_base']):+.1%}" if v["mean_base"] else ""
    low, high = v["ci_paired"]
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        verdict = ""
    elif low > 0 or high < 0:
        verdict = " The interval excludes zero: a difference beyond simulation noise."
    else:
        verdict = " The interval includes zero: not distinguishable from no change here."
    return (
        f"**{o.label}** ({o.unit}): {o.show(v['mean_base'])} under `{base}`, "
        f"{o.show(v['mean_other'])} under `{other}`: {o.show_diff(v['diff'])}{pct} "
        f"(95% interval {o.show_diff(low)} to {o.show_diff(high)}).{verdict}"
    )


def compare_blocks(c: CompareContext) -> list[Block]:
    """The content of a comparison report: a plain-language summary first."""
    end = c.base_year + c.years
    scen = [c.base, *c.others]
    blocks: list[Block] = [
        Heading(
            f"How {', '.join(c.others)} {'compare' if len(c.others) > 1 else 'compares'} "
            f"with {c.base}",
            1,
        ),
        warning_block(c.provenance.get("data")),
        Heading("Summary"),
        Para(
            f"We simulated {len(scen)} policies over {c.years} years, August {c.base_year} to "
            f"August {end}, each on the same {len(c.seeds)} random seeds so that differences come "
            f"from the policy, not from chance: `{c.base}` ({c.descriptions[c.base].rstrip('.')}) "
            "against "
            + ", ".join(f"`{o}` ({c.descriptions[o].rstrip('.')})" for o in c.others)
            + ". Three headline findings, at the end of the run:"
        ),
        Bullets(
            [
                _finding(name, c.comparisons[other][name], c.base, other)
                for other in c.others
                for name in FINDINGS
                if name in c.comparisons[other]
            ]
        ),
        Para(
            INTERVALS_TEXT + " Differences are paired: each seed's run of one policy is compared "
            "with the same seed's run of the other."
        ),
        Heading("What was compared"),
        Bullets(
            [
                f"Base scenario `{c.base}`: {c.descriptions[c.base]}",
                *(f"Compared scenario `{o}`: {c.descriptions[o]}" for o in c.others),
                f"{len(c.seeds)} replicates per scenario on the same seeds (master seed "
                f"{c.master_seed}): {', '.join(str(s) for s in c.seeds)}",
                f"{c.years} simulated years, from August {c.base_year} to August {end} "
                f'("end" = the August {end} snapshot)',
            ]
        ),
    ]
    for other in c.others:
        comp = c.comparisons[other]
        blocks += [
            Heading(f"Headline outcomes: {other} against {c.base}"),
            Table(
                [
                    "Outcome (unit)",
                    f"{c.base} (mean)",
                    f"{other} (mean)",
                    "Difference",
                    "95% interval (paired)",
                    "95% interval (unpaired)",
                ],
                [
                    [
                        OUTCOMES[m].heading,
                        OUTCOMES[m].show(v["mean_base"]),
                        OUTCOMES[m].show(v["mean_other"]),
                        OUTCOMES[m].show_diff(v["diff"]),
                        _ci(m, v["ci_paired"]),
                        _ci(m, v["ci_unpaired"]),
                    ]
                    for m, v in comp.items()
                ],
            ),
            Para(_headline_text(comp[HEADLINE])),
            Heading(f"Coverage by region at the end: {other} against {c.base}", 3),
            Table(
                ["Region", c.base, other, "Difference", "95% interval (paired)"],
                [
                    [
                        name,
                        fmt(v["mean_base"]),
                        fmt(v["mean_other"]),
                        fmt(v["diff"]),
                        fmt_ci(v["ci_paired"]),
                    ]
                    for name, v in c.coverage_end[other].items()
                ],
            ),
        ]
    blocks += [
        Heading("Years until each region is within 5% of its fair share of posts", 3),
        Para(
            "Programme posts (tariff + expansion) against the region's fair share; median "
            "over replicates of the years from the base year until the region stays within "
            '5%, with the number of replicates that got there ("-": none did).'
        ),
        Table(
            ["Region", *scen],
            [
                [name, *(_within(c.years_within[s][name], len(c.seeds)) for s in scen)]
                for name in c.regions.values()
            ],
        ),
        Heading("Figures"),
        *(Figure(file, caption) for file, caption in c.figures),
        *_method_blocks(),
        *_provenance_blocks(c.provenance),
    ]
    return blocks


def _ci(name: str, ci: Sequence[float | None]) -> str:
    o = OUTCOMES[name]
    return f"{o.show_diff(ci[0])} to {o.show_diff(ci[1])}"


def _headline_text(h: Mapping[str, Any]) -> str:
    """A few sentences on the headline metric: how much pairing narrowed its interval."""
    paired, unpaired = h["paired_ci_width"], h["unpaired_ci_width"]
    text = (
        f"{OUTCOMES[HEADLINE].label} ({OUTCOMES[HEADLINE].unit}): difference "
        f"{fmt(h['diff'])}. Width of its 95% interval: paired {fmt(paired)}, unpaired "
        f"(Welch) {fmt(unpaired)}; the two arms correlate {fmt(h.get('correlation'))} over "
        "seeds."
    )
    if paired is None or unpaired is None or math.isnan(paired) or math.isnan(unpaired):
        return text
    if paired < unpaired:
        return (
            text + f" Pairing shrank the interval to {paired / unpaired:.0%} of the "
            "unpaired one: common random numbers cancel the noise the two arms share."
        )
    return (
        text + " Pairing did not narrow it here: the arms' runs drift apart where the policy "
        "acts, so little shared noise is left to cancel for this metric, and the paired "
        "interval has fewer degrees of freedom (n - 1). More replicates help."
    )


def _within(value: tuple[float | None, int], n: int) -> str:
    median, reached = value
    return "-" if median is None else f"{fmt(median)} ({reached}/{n})"


def _method_blocks() -> list[Block]:
    return [
        Heading("Method"),
        Bullets(
            [
                "**Common random numbers.** Replicate i of every scenario uses the same seed; "
                "every "
                "decision (attrition, LTFT, post choice, settlement, ...) draws from its own named "
                "random stream indexed by the agent's permanent slot, so two scenarios run on one "
                "seed differ only where the policy acts.",
                "**Paired intervals.** For each seed the difference other - base is computed; the "
                "interval is mean difference +/- t(0.975, n-1) x sd / sqrt(n) over the n seeds.",
                "**Unpaired intervals** (for reference) treat the two arms as independent samples: "
                "Welch's interval with Welch-Satterthwaite degrees of freedom.",
                "**Coverage** = an area's share of consultants / its share of need. For regions "
                "the "
                "need share weights each specialty's need component (overall, acute, maternity, "
                "mental health) by the specialty's share of consultants; for ICBs it is the "
                "overall "
                "need-weighted population (NHS England weighted capitation). 1 = fair share.",
                "**Gini and Theil** are taken over the areas' consultants per 100,000 "
                "need-weighted population, weighted by need-weighted population.",
            ]
        ),
        Heading("Outcome definitions", 3),
        Bullets([f"**{OUTCOMES[n].label}** (`{n}`): {text}" for n, text in METRICS.items()]),
    ]


def _provenance_blocks(p: Mapping[str, Any]) -> list[Block]:
    packages = ", ".join(f"{k} {v}" for k, v in p.get("package_versions", {}).items())
    return [
        Heading("Data and code provenance"),
        Bullets(
            [
                f"Data: {p.get('data', 'bundled England data')}; content fingerprint "
                f"`{p.get('data_fingerprint', 'unknown')}`.",
                "The bundled posts.csv and consultants.csv are a **SYNTHETIC baseline** (see "
                "`sim/england/SOURCES.md`): real post-level data are not public, so these files "
                "are "
                "calibrated to public national aggregates and spread over trusts by documented "
                "rules. Geography, population, need and deprivation come from public ONS and NHS "
                "England files. Treat absolute numbers as plausible, not true.",
                f"Code version {p.get('code_version', 'unknown')}, git commit "
                f"`{p.get('git_commit', 'unknown')}`.",
                f"Packages: {packages}.",
                f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `traineeflow compare`.",
                f"Results store: `{p.get('db', '')}`; runs simulated now: {p.get('simulated', 0)}, "
                f"read back from the store: {p.get('reused', 0)}.",
            ]
        ),
    ]
