"""Refusing an import that would drop codes by accident, and saying what an import changes.

CMS keeps terminated codes in its file, so from one release to the next hardly a code
stops being listed: in the releases of 2017 to 2025, every code a release drops had a
termination date before the next release took effect, but for 3 (modifier DA, G9976 and
G9977, 2018-jan to 2019-jan), and every code a later release lists with a date added
before an earlier release took effect is in that earlier release, but for 2. A file cut
short, or a partial copy, leaves hundreds or thousands unlisted. So a load is refused,
unless the caller allows removals, when it would leave unlisted more than `REMOVAL_LIMIT`
codes of:

* the same release as loaded now (a re-issued or re-imported file);
* its nearest loaded older release, not counting the codes that release had terminated
  before this one takes effect;
* its nearest loaded newer release, counting only the codes added before this one takes
  effect (releases may be imported in any order);

or when it lists fewer than `SHRINK_RATIO` of the codes of either neighbour (the real
releases never list fewer than 0.73 of any other's: 2017-jan beside 2025-oct).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

from django.db import connection

from codes.importer.bulk import record_columns
from codes.importer.parse import ImportFailure, ParsedRelease
from codes.models import CodeVersion, Release

REMOVAL_LIMIT = 10
SHRINK_RATIO = 0.5
SAMPLE_SIZE = 10

Key = tuple[str, str]


class RemovalRefused(ImportFailure):
    """A load that would leave codes unlisted; `--allow-removals` lets it through."""


@dataclass
class Changes:
    """What loading a release changes, compared with `baseline` (a loaded release)."""

    baseline: str | None
    added: list[Key] = field(default_factory=list)
    changed: list[Key] = field(default_factory=list)
    removed: list[Key] = field(default_factory=list)
    unchanged: int = 0


def sample(keys: list[Key] | set[Key]) -> str:
    """A few of `keys` by name, and how many more there are."""
    ordered = sorted(keys, key=lambda key: (key[0] != "procedure", key[1]))
    shown = ", ".join(code for _, code in ordered[:SAMPLE_SIZE])
    more = len(ordered) - SAMPLE_SIZE
    return shown + (f" and {more:,} more" if more > 0 else "")


def check(parsed: ParsedRelease) -> None:
    """Raise RemovalRefused when loading `parsed` would leave codes unlisted by accident."""
    problems = _problems(parsed)
    if problems:
        raise RemovalRefused(
            parsed.source_name,
            "refused, it would remove data: "
            + "; ".join(problems)
            + f". Pass --allow-removals if this is intended "
            f"(allowed without it: up to {REMOVAL_LIMIT} codes unlisted, and at least "
            f"{SHRINK_RATIO:.0%} of a neighbouring release's codes listed)",
        )


def _problems(parsed: ParsedRelease) -> list[str]:

    keys = {record.key for record in parsed.records}
    problems = []
    loaded = Release.objects.filter(name=parsed.name).first()
    if loaded is not None:
        listed = _keys_of(loaded)
        gone = listed - keys
        if len(gone) > REMOVAL_LIMIT:
            problems.append(
                f"{len(gone):,} of the {len(listed):,} codes {parsed.name} lists now would no "
                f"longer be listed ({sample(gone)})"
            )
    others = Release.objects.exclude(name=parsed.name)
    if older_release := others.nearest_before(parsed.effective_date):
        count, unlisted = _unlisted(older_release, keys, "termination_date")
        problems += against_older(parsed, keys, older_release.name, count, unlisted)
    if newer_release := others.nearest_after(parsed.effective_date):
        count, unlisted = _unlisted(newer_release, keys, "date_added")
        problems += against_newer(parsed, keys, newer_release.name, count, unlisted)
    return problems


def against_older(
    parsed: ParsedRelease, keys: set[Key], older: str, count: int, unlisted: dict
) -> list[str]:
    """Problems of `parsed` (which lists `keys`) beside the older release `older`, which
    lists `count` codes; `unlisted` gives the termination date of those `keys` lacks."""
    expected = {
        key for key, ended in unlisted.items() if not ended or ended >= parsed.effective_date
    }
    return _neighbour_problems(parsed, keys, older, count, expected, "had not terminated")


def against_newer(
    parsed: ParsedRelease, keys: set[Key], newer: str, count: int, unlisted: dict
) -> list[str]:
    """The same beside the newer release `newer`; `unlisted` gives dates added."""
    expected = {
        key for key, added in unlisted.items() if not added or added < parsed.effective_date
    }
    return _neighbour_problems(parsed, keys, newer, count, expected, "were already added")


def _neighbour_problems(
    parsed: ParsedRelease,
    keys: set[Key],
    neighbour: str,
    neighbour_count: int,
    missing: set[Key],
    why: str,
) -> list[str]:
    problems = []
    if len(missing) > REMOVAL_LIMIT:
        problems.append(
            f"{len(missing):,} codes that {neighbour} lists and that {why} by "
            f"{parsed.effective_date:%Y-%m-%d} are not listed ({sample(missing)})"
        )
    if len(keys) < SHRINK_RATIO * neighbour_count and neighbour_count - len(keys) > REMOVAL_LIMIT:
        problems.append(
            f"it lists {len(keys):,} codes, fewer than {SHRINK_RATIO:.0%} of the "
            f"{neighbour_count:,} that {neighbour} lists"
        )
    return problems


def _unlisted(release, keys: set[Key], column: str) -> tuple[int, dict[Key, object]]:
    """How many codes `release` lists, and {key: column} for those not in `keys`.

    The dates are read only when more than REMOVAL_LIMIT codes are unlisted (they can
    change the verdict only then): the keys come from an index, the dates from the rows.
    """
    listed = _keys_of(release)
    unlisted = listed - keys
    if len(unlisted) <= REMOVAL_LIMIT:
        return len(listed), dict.fromkeys(unlisted)
    dated = _keys_of(release, column)
    return len(listed), {key: dated[key] for key in unlisted}


def _keys_of(release, column: str | None = None):
    """The (kind, code) keys a loaded release lists, or {key: column} given a column.

    A raw cursor: the guard runs before every load, and the ORM spends several times as
    long turning a release's rows into objects.
    """

    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in ("kind", "code", *([column] if column else [])))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {quote(CodeVersion._meta.db_table)} "
            f"WHERE {quote('release_id')} = %s",
            [release.pk],
        )
        rows = cursor.fetchall()
    if column is None:
        return set(rows)
    return {(kind, code): value for kind, code, value in rows}


def changes(parsed: ParsedRelease) -> Changes:
    """What loading `parsed` adds, changes and removes, compared with the loaded copy of
    the same release, or else with the nearest older (or newer) loaded release."""

    baseline = (
        Release.objects.filter(name=parsed.name).first()
        or Release.objects.nearest_before(parsed.effective_date)
        or Release.objects.nearest_after(parsed.effective_date)
    )
    result = Changes(baseline=baseline.name if baseline else None)
    columns = record_columns()
    old_rows = {}
    if baseline is not None:
        old_rows = {
            (row[0], row[1]): row[2:]
            for row in CodeVersion.objects.filter(release=baseline).values_list(
                "kind", "code", *columns
            )
        }
    row_of = attrgetter(*columns)
    for record in parsed.records:
        old = old_rows.pop(record.key, None)
        if old is None:
            result.added.append(record.key)
        elif old != row_of(record):
            result.changed.append(record.key)
        else:
            result.unchanged += 1
    result.removed = list(old_rows)
    return result
