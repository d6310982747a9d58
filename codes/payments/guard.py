"""Refusing a payment import that would drop rows by accident, as `codes.importer.guard`
refuses a HCPCS release.

A CSV cut exactly at a line end looks whole, and each payment file replaces its table
for the quarter: re-importing a loaded quarter from such a copy would silently keep only
part of it. So, unless the caller allows removals, a table is refused when it would

* drop more than `REMOVAL_LIMIT` of the rows the same quarter has loaded now (HCPCS
  codes priced, NDC crosswalk rows, fee rows, rural ZIP codes), or
* hold fewer than `SHRINK_RATIO` of the rows of the nearest loaded quarter of the same
  table, older or newer (quarters may be imported in any order), and more than
  `REMOVAL_LIMIT` fewer (the NOC tables hold one or two rows).

The thresholds come from the real files (ASP_DATA_DIR, DMEPOS_DATA_DIR). CMS's quarterly
tables change little: the DMEPOS fee schedule goes from 3,487 rows (2025-jan) to 3,511
(2025-apr), dropping none; the ASP pricing file from 843 codes (2025-jan) to 978
(2025-oct), dropping 17 in three quarters. A re-issue of one quarter (CMS's "updated
030725" January file) is a correction, so it should drop fewer rows than a quarter does
(no two issues of one quarter are at hand to count), hence the HCPCS guard's limit of
10, while a file cut at half its bytes drops hundreds or thousands (ASP pricing 514 codes,
the crosswalk 4,161 rows, DMEPOS 1,714 fee rows). Real neighbours hold at least 86 % of
each other's rows (843 of 978). A 50 % bound would let the DMEPOS 2025-apr file cut at
half its bytes (1,797 rows, 51.5 % of 2025-jan's 3,487) pass, hence 70 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from codes.importer.guard import REMOVAL_LIMIT, SAMPLE_SIZE, RemovalRefused

SHRINK_RATIO = 0.7

Key = tuple[str, ...]

__all__ = ["REMOVAL_LIMIT", "SHRINK_RATIO", "Neighbour", "RemovalRefused", "TableRows"]


@dataclass(frozen=True)
class Neighbour:
    """Another loaded quarter of the same table, and how many rows it holds."""

    quarter: str
    rows: int


@dataclass
class TableRows:
    """One table of a file about to be loaded, beside what the database holds."""

    source_name: str
    quarter: str
    unit: str  # what a row is, plural: "HCPCS codes priced", "fee rows"
    keys: set[Key]  # the file's rows, each named by its codes
    loaded: set[Key] = field(default_factory=set)  # the same quarter's rows as loaded now
    neighbours: list[Neighbour] = field(default_factory=list)

    def problems(self) -> list[str]:
        problems = []
        gone = self.loaded - self.keys
        if len(gone) > REMOVAL_LIMIT:
            problems.append(
                f"{len(gone):,} of the {len(self.loaded):,} {self.unit} {self.quarter} has now "
                f"would no longer be listed ({sample(gone)})"
            )
        count = len(self.keys)
        for neighbour in self.neighbours:
            if count < SHRINK_RATIO * neighbour.rows and neighbour.rows - count > REMOVAL_LIMIT:
                problems.append(
                    f"it holds {count:,} {self.unit}, fewer than {SHRINK_RATIO:.0%} of the "
                    f"{neighbour.rows:,} of {neighbour.quarter}"
                )
        return problems

    def check(self) -> None:
        """Raise RemovalRefused when loading this table would drop rows by accident."""
        problems = self.problems()
        if problems:
            raise RemovalRefused(
                self.source_name,
                "refused, it would remove data: "
                + "; ".join(problems)
                + ". Pass --allow-removals if this is intended (allowed without it: up to "
                f"{REMOVAL_LIMIT} rows of the quarter dropped, and at least {SHRINK_RATIO:.0%} "
                "of a neighbouring quarter's rows)",
            )


def sample(keys: Iterable[Key]) -> str:
    """The first of `keys` by code ("E0201 RR", "J9271 00006-3026-02"), and how many more."""
    ordered = sorted(keys)
    shown = ", ".join(" ".join(filter(None, key)) for key in ordered[:SAMPLE_SIZE])
    more = len(ordered) - SAMPLE_SIZE
    return shown + (f" and {more:,} more" if more > 0 else "")
