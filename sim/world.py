"""The England world as arrays: geography, distances, need and the baseline posts and consultants.

Built once from a data directory and shared by every run (and every replicate on a worker).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from sim.datafiles import NEED_COMPONENTS, EnglandData, load_data_dir

EARTH_RADIUS_MILES = 3958.8  # mean Earth radius (IUGG), in statute miles


def haversine_miles(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in miles (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _index(codes: pd.Series, universe: list[str]) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(universe)}
    return codes.map(lookup).to_numpy(dtype=np.int64)


@dataclass(frozen=True)
class World:
    """Geography and baseline of one data directory, as index arrays."""

    data: EnglandData

    @classmethod
    def load(cls, path: Path | None = None) -> World:
        """Load and validate a data directory (None = the bundled England data)."""
        return cls(load_data_dir(path))

    # --- codes -----------------------------------------------------------------------------
    @cached_property
    def region_codes(self) -> list[str]:
        """NHS England region codes, in file order."""
        return self.data.regions["region_code"].tolist()

    @cached_property
    def lo_codes(self) -> list[str]:
        """Local office (former deanery) codes."""
        return self.data.local_offices["lo_code"].tolist()

    @cached_property
    def icb_codes(self) -> list[str]:
        """ICB Q-codes."""
        return self.data.icbs["icb_code"].tolist()

    @cached_property
    def trust_codes(self) -> list[str]:
        """Trust ODS codes."""
        return self.data.trusts["trust_code"].tolist()

    @cached_property
    def specialty_codes(self) -> list[str]:
        """Specialty codes."""
        return self.data.specialties["specialty_code"].tolist()

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return len(self.region_codes)

    @property
    def n_los(self) -> int:
        """Number of local offices."""
        return len(self.lo_codes)

    @property
    def n_trusts(self) -> int:
        """Number of trusts."""
        return len(self.trust_codes)

    @property
    def n_specialties(self) -> int:
        """Number of specialties."""
        return len(self.specialty_codes)

    # --- geography ---------------------------------------------------------------------------
    @cached_property
    def lo_region(self) -> np.ndarray:
        """Region index of each local office."""
        return _index(self.data.local_offices["region_code"], self.region_codes)

    @cached_property
    def icb_region(self) -> np.ndarray:
        """Region index of each ICB."""
        return _index(self.data.icbs["region_code"], self.region_codes)

    @cached_property
    def trust_region(self) -> np.ndarray:
        """Region index of each trust."""
        return _index(self.data.trusts["region_code"], self.region_codes)

    @cached_property
    def trust_lo(self) -> np.ndarray:
        """Local office index of each trust."""
        return _index(self.data.trusts["lo_code"], self.lo_codes)

    @cached_property
    def trust_icb(self) -> np.ndarray:
        """ICB index of each trust."""
        return _index(self.data.trusts["icb_code"], self.icb_codes)

    @cached_property
    def distance_miles(self) -> np.ndarray:
        """Trust-to-trust great-circle distances in miles (n_trusts x n_trusts, float32)."""
        lat = self.data.trusts["lat"].to_numpy(dtype=float)
        lon = self.data.trusts["lon"].to_numpy(dtype=float)
        d = haversine_miles(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        return d.astype(np.float32)

    @cached_property
    def lo_population(self) -> np.ndarray:
        """ONS mid-2022 population of each local office."""
        icb_lo = _index(self.data.icbs["lo_code"], self.lo_codes)
        pop = self.data.icbs["population"].to_numpy(dtype=float)
        return np.bincount(icb_lo, weights=pop, minlength=self.n_los)

    def home_office(self, u: np.ndarray) -> np.ndarray:
        """A home local office for each uniform in `u`, drawn in proportion to population."""
        cum = np.cumsum(self.lo_population) / self.lo_population.sum()
        return np.minimum(np.searchsorted(cum, u), self.n_los - 1)

    # --- specialties ---------------------------------------------------------------------------
    def spec_column(self, column: str, dtype: type = float) -> np.ndarray:
        """One column of the specialty table as an array in specialty order."""
        return self.data.specialties[column].to_numpy(dtype=dtype)

    @cached_property
    def spec_need_component(self) -> np.ndarray:
        """Index into NEED_COMPONENTS of each specialty's need driver."""
        return _index(self.data.specialties["need_component"], list(NEED_COMPONENTS))

    @cached_property
    def region_of_trust(self) -> np.ndarray:
        """(n_regions x n_trusts) 0/1: `region_of_trust @ cells` sums trust rows by region."""
        return (np.arange(self.n_regions)[:, None] == self.trust_region[None, :]).astype(np.int64)

    @cached_property
    def icb_region_codes(self) -> np.ndarray:
        """Region code of each ICB."""
        return self.data.icbs["region_code"].to_numpy()

    @cached_property
    def icb_population(self) -> np.ndarray:
        """ONS mid-2022 population of each ICB."""
        return self.data.icbs["population"].to_numpy(dtype=float)

    @cached_property
    def icb_core20_share(self) -> np.ndarray:
        """Share of each ICB's population in the most deprived national fifth (Core20)."""
        return self.data.icbs["core20_share"].to_numpy(dtype=float)

    # --- need ------------------------------------------------------------------------------------
    @cached_property
    def icb_need(self) -> np.ndarray:
        """Need-weighted population by ICB and component (n_icbs x n_components)."""
        cols = [f"need_{c}" for c in NEED_COMPONENTS]  # the icbs.csv columns
        return self.data.icbs[cols].to_numpy(dtype=float)

    @cached_property
    def region_need(self) -> np.ndarray:
        """Need-weighted population by region and component."""
        out = np.zeros((self.n_regions, len(NEED_COMPONENTS)))
        np.add.at(out, self.icb_region, self.icb_need)
        return out

    @cached_property
    def region_spec_need(self) -> np.ndarray:
        """Need weight of each region for each specialty's component (n_regions x n_specs)."""
        return self.region_need[:, self.spec_need_component]

    @cached_property
    def region_population(self) -> np.ndarray:
        """ONS mid-2022 population of each region."""
        pop = self.data.icbs["population"].to_numpy(dtype=float)
        return np.bincount(self.icb_region, weights=pop, minlength=self.n_regions)

    # --- baseline -------------------------------------------------------------------------------
    @cached_property
    def baseline_posts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Baseline posts as (trust index, specialty index, funding) per post row.

        funding: 0 tariff-funded, 1 trust-funded.
        """
        p = self.data.posts
        trust = _index(p["trust_code"], self.trust_codes)
        spec = _index(p["specialty_code"], self.specialty_codes)
        tariff = p["tariff_posts"].to_numpy(dtype=np.int64)
        tf = p["trust_funded_posts"].to_numpy(dtype=np.int64)
        t = np.concatenate([np.repeat(trust, tariff), np.repeat(trust, tf)])
        s = np.concatenate([np.repeat(spec, tariff), np.repeat(spec, tf)])
        f = np.concatenate([np.zeros(tariff.sum(), np.int8), np.ones(tf.sum(), np.int8)])
        order = np.lexsort((f, t, s))  # specialty-major: stable slots within a specialty
        return t[order], s[order], f[order]

    @cached_property
    def baseline_consultants(self) -> np.ndarray:
        """Baseline consultants in post by trust and specialty (n_trusts x n_specs)."""
        return self._consultant_table("consultants")

    @cached_property
    def baseline_establishment(self) -> np.ndarray:
        """Baseline funded consultant posts by trust and specialty (n_trusts x n_specs)."""
        return self._consultant_table("establishment")

    def _consultant_table(self, column: str) -> np.ndarray:
        c = self.data.consultants
        out = np.zeros((self.n_trusts, self.n_specialties), dtype=np.int64)
        np.add.at(
            out,
            (
                _index(c["trust_code"], self.trust_codes),
                _index(c["specialty_code"], self.specialty_codes),
            ),
            c[column].to_numpy(dtype=np.int64),
        )
        return out

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the data's contents (enters run keys, so other data = other runs)."""
        h = hashlib.sha256()
        d = self.data
        for table in (
            d.regions,
            d.local_offices,
            d.icbs,
            d.trusts,
            d.specialties,
            d.posts,
            d.consultants,
        ):
            h.update(table.to_csv(index=False).encode())
        return h.hexdigest()[:16]

    def scaled(self, factor: int) -> World:
        """The same geography with `factor` times the posts, consultants, intake and applicants.

        For benchmarks of how run time grows with population size.
        """
        d = self.data
        posts = d.posts.assign(
            tariff_posts=d.posts["tariff_posts"] * factor,
            trust_funded_posts=d.posts["trust_funded_posts"] * factor,
        )
        cons = d.consultants.assign(
            consultants=d.consultants["consultants"] * factor,
            establishment=d.consultants["establishment"] * factor,
        )
        specs = d.specialties.assign(
            intake_per_year=d.specialties["intake_per_year"] * factor,
            applications_per_year=d.specialties["applications_per_year"] * factor,
            applicants_per_year=d.specialties["applicants_per_year"] * factor,
            consultants_national=d.specialties["consultants_national"] * factor,
        )
        return World(replace(d, posts=posts, consultants=cons, specialties=specs))
