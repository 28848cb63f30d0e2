"""Summary tables of ``sim/england/SOURCES.md``, generated from the built tables.

SOURCES.md holds hand-written prose and, between marker comments
``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``, tables that
``scripts.build_data`` rewrites on every build (`render_blocks` then `replace_blocks`), so the
stated totals always match the CSVs. Only the text between the markers is touched.
"""

from __future__ import annotations

import re

import pandas as pd

LONDON = "Y56"
SPECIALTY_HEADER = [
    "specialty_code", "entry", "years", "intake/yr", "tariff posts", "trust-funded",
    "London share of tariff", "consultants",
]  # fmt: skip
BLOCK_RE = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n).*?(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Markdown table (no trailing newline)."""
    lines = ["|" + "|".join(f" {c} " if c else " " for c in r) + "|" for r in [header, *rows]]
    return "\n".join([lines[0], "|" + "---|" * len(header), *lines[1:]])


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}"


def _num(x: float) -> str:
    """Write a decimal as in the CSV: up to 2 decimals, no trailing zeros, thousands commas."""
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def render_blocks(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Render the generated blocks of SOURCES.md ({marker name: markdown}) from the tables."""
    icbs, trusts, spec = tables["icbs.csv"], tables["trusts.csv"], tables["specialties.csv"]
    region_of = trusts.set_index("trust_code")["region_code"]
    posts = tables["posts.csv"].assign(london=lambda t: t["trust_code"].map(region_of) == LONDON)
    cons = tables["consultants.csv"].assign(region=lambda t: t["trust_code"].map(region_of))
    tariff, funded, n_cons = (
        int(posts["tariff_posts"].sum()), int(posts["trust_funded_posts"].sum()),
        int(cons["consultants"].sum()),
    )  # fmt: skip
    n_est = int(cons["establishment"].sum())
    london_tariff = int(posts.loc[posts["london"], "tariff_posts"].sum())
    pop = icbs.groupby("region_code")["population"].sum()
    haem = posts[posts["specialty_code"] == "haematology"]
    haem_london, haem_all = int(haem.loc[haem["london"], "tariff_posts"].sum()), int(
        haem["tariff_posts"].sum())  # fmt: skip
    totals = [
        ["NHS England regions", f"{len(tables['regions.csv'])}"],
        ["Local offices (former HEE deaneries)", f"{len(tables['local_offices.csv'])}"],
        ["ICBs", f"{len(icbs)}"],
        ["ONS mid-2022 population (sum of ICBs)", f"{int(icbs['population'].sum()):,}"],
        ["GP-registered population 2022/23 (sum of ICBs, rounded per ICB)",
         f"{int(icbs['registered_population'].sum()):,}"],
        ["Acute trusts", f"{len(trusts)}"],
        ["Specialties", f"{len(spec)}"],
        ["Tariff-funded training posts (SYNTHETIC)", f"{tariff:,}"],
        ["Trust-funded training posts (SYNTHETIC)", f"{funded:,}"],
        ["Consultants (SYNTHETIC)", f"{n_cons:,}"],
        ["Funded consultant posts (SYNTHETIC)",
         f"{n_est:,} (vacancy rate {_pct(n_est - n_cons, n_est)})"],
        ["posts.csv rows (trust x specialty pairs with posts)", f"{len(posts):,}"],
        ["consultants.csv rows (trust x specialty pairs with consultants)", f"{len(cons):,}"],
        ["London share of tariff posts, all specialties",
         f"{_pct(london_tariff, tariff)} (population share {_pct(pop[LONDON], pop.sum())})"],
        ["London share of haematology tariff posts",
         f"{_pct(haem_london, haem_all)} ({haem_london:,} of {haem_all:,})"],
    ]  # fmt: skip
    post_region = posts["trust_code"].map(region_of)
    regions = [
        [f"{code} {name}", f"{int(pop[code]):,}", f"{int((trusts['region_code'] == code).sum())}",
         f"{int(posts.loc[post_region == code, 'tariff_posts'].sum()):,}",
         f"{int(cons.loc[cons['region'] == code, 'consultants'].sum()):,}",
         f"{int(cons.loc[cons['region'] == code, 'establishment'].sum()):,}",
         f"{cons.loc[cons['region'] == code, 'consultants'].sum() / pop[code] * 1e5:.1f}"]
        for code, name in tables["regions.csv"].itertuples(index=False)
    ]  # fmt: skip
    by_spec = posts.groupby("specialty_code")
    sums = by_spec[["tariff_posts", "trust_funded_posts"]].sum()
    london = posts[posts["london"]].groupby("specialty_code")["tariff_posts"].sum()
    cons_by_spec = cons.groupby("specialty_code")["consultants"].sum()
    specialties = [
        [s.specialty_code, f"ST{s.entry_level}", f"{s.training_years}", _num(s.intake_per_year),
         f"{int(sums.at[s.specialty_code, 'tariff_posts']):,}",
         f"{int(sums.at[s.specialty_code, 'trust_funded_posts']):,}",
         _pct(london.get(s.specialty_code, 0), sums.at[s.specialty_code, "tariff_posts"]),
         f"{int(cons_by_spec.get(s.specialty_code, 0)):,}"]
        for s in spec.itertuples(index=False)
    ]  # fmt: skip
    specialties.append(
        ["**total**", "", "", f"{spec['intake_per_year'].sum():,.0f}", f"**{tariff:,}**",
         f"**{funded:,}**", _pct(london_tariff, tariff), f"**{n_cons:,}**"]
    )  # fmt: skip
    return {
        "totals": _table(["Quantity", "Value"], totals),
        "regions": _table(
            [
                "Region",
                "Population",
                "Trusts",
                "Tariff posts",
                "Consultants",
                "Funded posts",
                "Consultants per 100k",
            ],
            regions,
        ),
        "specialties": _table(SPECIALTY_HEADER, specialties),
    }


def replace_blocks(text: str, blocks: dict[str, str]) -> str:
    """Replace the text between each pair of markers by its block; every block must have one."""
    found: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in blocks:
            raise SystemExit(f"SOURCES.md: unknown generated block {name!r}")
        found.append(name)
        return f"{match[1]}{blocks[name]}\n{match[3]}"

    out = BLOCK_RE.sub(fill, text)
    if sorted(found) != sorted(blocks):
        raise SystemExit(f"SOURCES.md: need one marker pair each for {sorted(blocks)}, got {found}")
    return out
