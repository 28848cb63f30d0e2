"""Need and fair shares of training posts, from NHS England's need-weighted populations.

Fair share of an area for a specialty = (1 - deprivation weight) x its share of the specialty's
need-weighted population (general & acute, maternity, mental health or overall, HEE "Modelling":
utilisation-based components on ICB footprint) + deprivation weight x its share of the health
inequalities weighted population (HEE: 20% weighting for deprivation via SMR under 75; the NHS
England health-inequalities weighting is built on avoidable mortality), each area's value first
scaled by its population growth to the target year. Shares sum to 1 within the level asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.world import World

if TYPE_CHECKING:
    pass

DEPRIVATION_WEIGHT = 0.2  # HEE "How does the modelling work?": 20% weighting for deprivation
REGION_GROWTH = {
    # ESTIMATE of population growth 2022 -> 2033 by NHS England region, from ONS 2018-based
    # SNPP to 2028 (East Midlands fastest +7%, North East slowest +2.3%) and ONS 2012-based
    # (London +13%, East +9% to 2022), docs/sources.md §5.4; regional projections to 2040 NOT FOUND.
    "Y56": 1.06,
    "Y58": 1.05,
    "Y59": 1.05,
    "Y60": 1.05,
    "Y61": 1.06,
    "Y62": 1.03,
    "Y63": 1.025,
}
_HI = "need_health_inequalities"


def icb_fair_shares(
    world: World,
    deprivation_weight: float = DEPRIVATION_WEIGHT,
    region_growth: dict[str, float] | None = None,
) -> np.ndarray:
    """Fair share of each ICB in England for each specialty (n_icbs x n_specs, columns sum 1)."""
    growth_by_region = REGION_GROWTH if region_growth is None else region_growth
    growth = np.array([growth_by_region.get(c, 1.0) for c in world.region_codes])[world.icb_region]
    need = world.icb_need[:, world.spec_need_component] * growth[:, None]
    hi = world.data.icbs[_HI].to_numpy(dtype=float) * growth
    share = need / need.sum(axis=0, keepdims=True)
    dep = (hi / hi.sum())[:, None]
    return (1.0 - deprivation_weight) * share + deprivation_weight * dep


def region_fair_shares(world: World, icb_shares: np.ndarray) -> np.ndarray:
    """Sum ICB fair shares to regions (n_regions x n_specs)."""
    out = np.zeros((world.n_regions, icb_shares.shape[1]))
    np.add.at(out, world.icb_region, icb_shares)
    return out


def trust_fair_shares(world: World, icb_shares: np.ndarray) -> np.ndarray:
    """Split each ICB's share evenly over its acute trusts (intra-regional distribution).

    An ICB with no acute trust passes its share to the trusts of its local office.
    """
    n_t = world.n_trusts
    per_icb = np.bincount(world.trust_icb, minlength=len(world.icb_codes))
    out = np.zeros((n_t, icb_shares.shape[1]))
    has = per_icb[world.trust_icb] > 0
    out[has] = icb_shares[world.trust_icb[has]] / per_icb[world.trust_icb[has]][:, None]
    icb_lo = np.array([world.lo_codes.index(c) for c in world.data.icbs["lo_code"]])
    for icb in np.flatnonzero(per_icb == 0):
        trusts = np.flatnonzero(world.trust_lo == icb_lo[icb])
        out[trusts] += icb_shares[icb] / len(trusts)
    return out
