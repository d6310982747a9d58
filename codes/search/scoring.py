"""How a code's rank is made up, the same on both engines: matched terms first, then
the typed words, the engine's relevance score, penalties and the code's age."""

from __future__ import annotations

from codes.search.query import MAX_WORDS, ParsedQuery, Term
from codes.search.vocabulary import WORD

# bm25 column weights: code, short description, long description.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
# A matched term outweighs any relevance score (bm25 stays far below this).
TERM_WEIGHT = 1000
# Scores this close are a tie, left to code order: the lower code of a family is usually
# the general item ("E0163 commode chair") and the next ones its variants.
SCORE_STEP = 0.5
# Long-established codes are the everyday ones; newer codes of the same words are
# usually narrower variants. A tenth of a point per year the code was added before
# AGE_REFERENCE_YEAR (any year after the newest code works: only differences count).
AGE_WEIGHT = 1.0
AGE_REFERENCE_YEAR = 2030
# Active codes come before terminated ones whatever the words they match: a terminated
# code can no longer be billed (it stays findable, after them).
TERMINATED_PENALTY = 2 * TERM_WEIGHT * (MAX_WORDS + 1)
# A code with the words the user typed ranks above one only a drug name or lay term
# finds (less than a whole matched term).
LITERAL_WEIGHT = 100
DRUG_TERM_WEIGHT = 2 * TERM_WEIGHT
BIOSIMILAR_PENALTY = 50
UNSPECIFIED_PENALTY = 5
# Less than a literal match: the typed words still come first.
NOT_THE_ITEM_PENALTY = 20
# How CMS goes on after naming an item (LIKE patterns): "Power wheelchair, group 2 …",
# "Power operated vehicle (three or four wheel …)", or nothing at all.
ITEM_QUALIFIERS = (",%%", " (%%", "")


def penalties(table: str, parsed: ParsedQuery, vendor: str) -> str:
    """SQL for what makes a code a worse answer than its score says (same on both engines).

    A terminated code can no longer be billed, and a "not otherwise classified/specified"
    code is the last resort once no specific code fits. Under a lay term for an item,
    its parts and accessories come after it (`item_heads`). A brand name CMS does not
    write is the reference product, not one of the biosimilars CMS names by their own
    brands ("Neulasta" is J2506 "pegfilgrastim, excludes biosimilar", not Q5108
    "Fulphila").
    """
    drug_name = any(is_drug_name(t) for t in parsed.terms)
    return penalty_sql(table, vendor, drug_name, item_heads(parsed))


def penalty_sql(
    table: str, vendor: str, drug_name: bool, heads: tuple[tuple[str, ...], ...] = ()
) -> str:
    """`penalties` from all it depends on: whether the query names a drug, and the
    `item_heads` of its lay terms for an item."""
    # LIKE ignores ASCII case on SQLite; PostgreSQL's ILIKE does there (lower() would
    # copy every matching description first).
    like = "ILIKE" if vendor == "postgresql" else "LIKE"
    description = f"{table}.long_description"
    terminated = f"{table}.termination_date IS NOT NULL"
    penalties = f"(CASE WHEN {terminated} THEN {TERMINATED_PENALTY} ELSE 0 END"
    for term_heads in heads:
        opens = " OR ".join(
            f"{description} {like} '{head}{after}'"
            for head in term_heads
            for after in ITEM_QUALIFIERS
        )
        penalties += f" + CASE WHEN {opens} THEN 0 ELSE {NOT_THE_ITEM_PENALTY} END"
    # A brand without a code of its own is billed under its generic's "not otherwise
    # specified" code (Kenalog: J3301), so that code is no last resort here.
    if vendor == "postgresql":
        # Stored per code (migration 0011): the same values, not computed per row.
        column = "biosimilar_penalty" if drug_name else "unspecified_penalty"
        return f"{penalties} + {table}.{column})"
    if not drug_name:
        penalties += (
            f" + CASE WHEN {description} {like} '%%not otherwise%%' "
            f"THEN {UNSPECIFIED_PENALTY} ELSE 0 END"
        )
    else:
        penalties += (
            f" + CASE WHEN {description} {like} '%%biosimilar%%' "
            f"AND {description} NOT {like} '%%excludes biosimilar%%' "
            f"AND {description} NOT {like} '%%not biosimilar%%' "
            f"THEN {BIOSIMILAR_PENALTY} ELSE 0 END"
        )
    return penalties + ")"


def item_heads(parsed: ParsedQuery) -> tuple[tuple[str, ...], ...]:
    """For each lay term for an item, the LIKE patterns of the descriptions that open
    with it (the typed words or a target): codes that do not pay NOT_THE_ITEM_PENALTY.

    CMS names an item first and then qualifies it ("Power wheelchair, group 2 standard,
    …", "Lumbar-sacral orthosis, sagittal control, …"); a description that names it
    later is a part or accessory of it ("Drive belt for power wheelchair", "Power
    wheelchair accessory, battery") or another item that contains the words
    ("Cervical-thoracic-lumbar-sacral orthosis"). Only the lay terms the thesaurus lists
    as items: for others the item named is not the answer ("flu shot" is the
    administration of the vaccine, G0008, not the vaccine itself).
    """
    return tuple(
        # Only letters and digits reach the SQL; "_" lets a hyphen or a space part the
        # words ("lumbar sacral" is CMS's "Lumbar-sacral").
        tuple("_".join(WORD.findall(alternative)) for alternative in term.alternatives)
        for term in parsed.terms
        if term.expansion is not None and term.expansion.names_item
    )


def is_drug_name(term: Term) -> bool:
    return term.expansion is not None and term.expansion.source == "drug name"


def term_weight(term: Term) -> int:
    """A drug name says which product; the other words of its query ("infusion") only
    describe it."""
    return DRUG_TERM_WEIGHT if is_drug_name(term) else TERM_WEIGHT
