"""CMS's record layout of the DMEPOS and PEN fee schedule files (DMEREAD 2025), described once.

The code tables (jurisdiction, category, fee-row modifiers), the state columns in CMS's
order, CMS's caveats quoted word for word, and the glossary entries of every field. The
meanings keep CMS's wording from Attachments A-1 to A-5; the "in words" labels for
jurisdictions name today's contractors (a Local Part B carrier is now a Part B MAC).
"""

from __future__ import annotations

from codes.reference import FieldDoc

# Field 4, JURISDICTION: (label shown to coders, CMS's wording).
JURISDICTIONS: dict[str, tuple[str, str]] = {
    "D": ("DME MAC", "DMEMAC jurisdiction"),
    "L": ("Local Part B MAC", "Local Part B Carrier jurisdiction"),
    "J": ("Joint DME MAC / Part B MAC", "Joint DMEMAC/Local Carrier jurisdiction"),
}

# Field 5, CATEGORY.
CATEGORIES: dict[str, str] = {
    "IN": "Inexpensive and Other Routinely Purchased Items",
    "FS": "Frequently Serviced Items",
    "CR": "Capped Rental Items",
    "OX": "Oxygen and Oxygen Equipment",
    "OS": "Ostomy, Tracheostomy & Urological Items",
    "SD": "Surgical Dressings",
    "PO": "Prosthetics & Orthotics",
    "SU": "Supplies",
    "TE": "Transcutaneous Electrical Nerve Stimulators",
    "TS": "Therapeutic Shoes",
    "IL": "Intraocular Lenses",
    "SC": "Splints and Casts",
    "LC": "Lymphedema Compression Treatment Items",
    "LT": "Labor Rates",
}

# Field 2, 1ST MODIFIER: the modifiers fee rows carry, as DMEREAD explains them.
MODIFIERS: dict[str, str] = {
    "NU": "Purchased, New",
    "RR": "Rented",
    "UE": "Purchased, Used",
    "KM": "Replacement of Facial Prosthesis including new impression/moulage",
    "KN": "Replacement of Facial Prosthesis using previous master mold",
    "AU": "Urological, ostomy or trach item",
    "AV": "Item with prosthetic/orthotic device",
    "AW": "Item with a surgical dressing",
    "KE": (
        "Bid Under Round I of the DMEPOS Competitive Bid Program For Use With "
        "Non-Competitive Bid Base Equipment"
    ),
    "KF": "Class III device",
    "KL": "DMEPOS Item Delivered Via Mail",
    "KC": "Replacement of Special Power Wheelchair Interface",
    "KU": "DMEPOS Item Subject to DMEPOS Competitive Bidding Program Number 3",
    "QB": (
        "Prescribed amounts of stationary oxygen for daytime use while at rest and nighttime "
        "use differ and the average of the two amounts exceeds 4 liters per minute (lpm) and "
        "portable oxygen is prescribed"
    ),
    "QF": (
        "Prescribed amount of stationary oxygen while at rest exceeds 4 liters per minute "
        "(lpm) and portable oxygen is prescribed"
    ),
}

# The fee columns' states, in CMS's column order (Attachment A-1, columns 8-113).
STATES: dict[str, str] = {
    "AL": "Alabama",
    "AR": "Arkansas",
    "AZ": "Arizona",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DC": "District of Columbia",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "IA": "Iowa",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "MA": "Massachusetts",
    "MD": "Maryland",
    "ME": "Maine",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MO": "Missouri",
    "MS": "Mississippi",
    "MT": "Montana",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "NE": "Nebraska",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NV": "Nevada",
    "NY": "New York",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VA": "Virginia",
    "VT": "Vermont",
    "WA": "Washington",
    "WI": "Wisconsin",
    "WV": "West Virginia",
    "WY": "Wyoming",
    "AK": "Alaska",
    "HI": "Hawaii",
    "PR": "Puerto Rico",
    "VI": "Virgin Islands",
}
NON_CONTINENTAL = frozenset({"AK", "HI", "PR", "VI"})

# CMS's own words (DMEREAD 2025), shown beside the figures.
DISCLAIMER = (
    "Inclusion or exclusion of a fee schedule for an item or service does not imply any "
    "health insurance coverage."
)
NON_RURAL_ONLY = (
    "Fee schedule amounts for those codes not adjusted using competitive bidding information "
    "will only have fee schedule amounts in the non-rural (NR) columns."
)
NON_CONTINENTAL_RURAL = "Non-continental areas are not subject to rural fees."
RURAL_AREA = (
    "A geographic area represented by a postal zip code of at least 50 percent of the total "
    "geographic area of the area included in the zip code is estimated to be outside any "
    "metropolitan area (MSA)."
)


def jurisdiction_label(value: str) -> str:
    return JURISDICTIONS.get(value, (value, ""))[0]


def category_label(value: str) -> str:
    return CATEGORIES.get(value, value)


def state_name(code: str) -> str:
    return STATES.get(code, code)


def _doc(name: str, label: str, short: str, full: str, columns: str) -> FieldDoc:
    return FieldDoc(name=f"dmepos_{name}", label=label, short=short, full=full, positions=columns)


# Glossary entries of the fee schedule fields; `positions` holds the file columns.
FIELD_DOCS: dict[str, FieldDoc] = {
    doc.name: doc
    for doc in [
        _doc(
            "quarter",
            "Fee schedule quarter",
            "The quarterly DMEPOS fee schedule release these amounts come from.",
            "CMS updates the DMEPOS fee schedule quarterly as necessary, January 1 being the "
            "primary yearly update; the April, July and October files are complete replacement "
            "files, not only the changes. The quarter is read from the file's title row, such as "
            "“April 2025 Fee Schedule”.",
            "title rows",
        ),
        _doc(
            "modifier",
            "Modifier",
            "The modifier the fee applies to: NU purchased new, RR rented, UE purchased used, and "
            "others.",
            "Column 2 (1st modifier) and column 3 (2nd modifier, when two modifiers apply). A "
            "code can have one fee schedule amount per modifier combination, for example a "
            "rental (RR) and a new purchase (NU) fee; a row without a modifier is the code's "
            "only fee.",
            "2–3",
        ),
        _doc(
            "jurisdiction",
            "Jurisdiction",
            "Which contractor processes the claim: the DME MAC (D), the local Part B MAC (L), "
            "or either (J, joint).",
            "Column 4. D: DMEMAC jurisdiction; L: Local Part B Carrier jurisdiction (today's "
            "A/B MAC); J: Joint DMEMAC/Local Carrier jurisdiction, where the setting of the "
            "service decides which contractor is billed.",
            "4",
        ),
        _doc(
            "category",
            "Category",
            "The DMEPOS payment class of the item, such as capped rental (CR) or supplies (SU).",
            "Column 5. The payment category decides the payment rules that apply, for example "
            "capped rental items are rented for up to 13 months of continuous use, inexpensive "
            "items may be purchased or rented. The file is sorted by category, code and "
            "modifier.",
            "5",
        ),
        _doc(
            "ceiling",
            "Ceiling",
            "The maximum fee schedule amount for certain items in the contiguous United States; "
            "zero where it does not apply.",
            "Column 6. Filled with zeros for codes adjusted using information from the "
            "competitive bidding program, for items priced under special payment rules, and "
            "for splints, casts, certain intraocular lenses, labor rates and lymphedema "
            "compression treatment items, which are not subject to ceilings.",
            "6",
        ),
        _doc(
            "floor",
            "Floor",
            "The minimum fee schedule amount for certain items in the contiguous United States; "
            "zero where it does not apply.",
            "Column 7. Filled with zeros where the ceiling is: codes adjusted using competitive "
            "bidding information, special payment rules, national fee schedule amounts, labor "
            "rates and lymphedema compression treatment items.",
            "7",
        ),
        _doc(
            "non_rural",
            "Non-rural fee (NR)",
            "The state's fee schedule amount for non-rural areas: the amount that applies "
            "unless the beneficiary's ZIP code is rural.",
            f"Two columns per state (columns 8–113): the non-rural (NR) and the rural (R) fee "
            f"schedule amount. {NON_RURAL_ONLY} Fee schedule amounts for non-continental areas "
            f"(Alaska, Hawaii, Puerto Rico, Virgin Islands) for codes that are not adjusted "
            f"using competitive bid information are not subject to the ceilings and floors.",
            "8–113",
        ),
        _doc(
            "rural",
            "Rural fee (R)",
            "The state's fee schedule amount for rural ZIP codes, for codes adjusted using "
            "competitive bidding information; 0.00 when only the non-rural fee exists.",
            f"A rural area is “{RURAL_AREA}” (42 CFR § 414.202); it also includes low "
            f"population density areas excluded from a competitive bidding area. The quarterly "
            f"rural ZIP code file lists those ZIP codes. {NON_CONTINENTAL_RURAL}",
            "8–113",
        ),
        _doc(
            "description",
            "Fee schedule description",
            "The short description the fee schedule file prints beside the code.",
            "The last column of the DMEPOS (column 114) and PEN (column 111) files: CMS's short "
            "description of the code, as in the HCPCS file.",
            "114",
        ),
        _doc(
            "rural_zip",
            "Rural ZIP code",
            "A five-digit ZIP code CMS designates rural for DMEPOS fees in that quarter.",
            f"The DMEPOS rural ZIP code file (Attachment A-5: state, ZIP code, year and quarter) "
            f"decides whether the rural fee applies to a code with rural and non-rural amounts. "
            f"A rural area is “{RURAL_AREA}”",
            "A-5: 1–3",
        ),
    ]
}
