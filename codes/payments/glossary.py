"""Glossary entries for the fields of CMS's ASP drug pricing files, shown as tooltips.

The texts are written for this site from the notes CMS prints above each file's header
and from the files themselves; `positions` names the file and column the field comes
from, since these files have columns, not record positions.
"""

from __future__ import annotations

from codes.presentation import FieldRow
from codes.reference import FieldDoc

_PRICING = "ASP pricing file"
_CROSSWALK = "ASP NDC–HCPCS crosswalk"

DRUG_FIELD_DOCS: dict[str, FieldDoc] = {
    doc.name: doc
    for doc in [
        FieldDoc(
            name="asp_quarter",
            label="Pricing quarter",
            short="The calendar quarter a payment limit applies to, from the file's title.",
            full=(
                "CMS publishes the ASP pricing file every quarter; its title says the period it "
                "covers, for example “Effective October 1, 2025 through December 31, 2025”. A "
                "limit belongs to its quarter: claims for services in another quarter use that "
                "quarter's file. The limits are based on the average sales prices manufacturers "
                "reported two quarters earlier (the file's Note 1 says which)."
            ),
            positions=f"title rows of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_dosage",
            label="Billing unit",
            short="The amount of drug one unit of the code stands for (“HCPCS Code Dosage”).",
            full=(
                "The “HCPCS Code Dosage” column gives the quantity that one billing unit of the "
                "code represents, as the code's descriptor defines it: “1 MG”, “10 MG”, “1 ML”. "
                "A claim reports the number of these units given; 200 mg of a drug billed per "
                "1 MG is 200 units. The payment limit is per billing unit."
            ),
            positions=f"column “HCPCS Code Dosage” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_payment_limit",
            label="Payment limit",
            short="The most Medicare Part B allows for one billing unit, in dollars.",
            full=(
                "The “Payment Limit” column is the payment allowance limit per billing unit, in "
                "dollars to three decimals. For most drugs it is set by the average sales price "
                "(ASP) methodology from manufacturers' reported sales; the file's notes name the "
                "quarter of ASP data used. Some limits follow other methods (a percentage of the "
                "average wholesale price for vaccines and blood products); the file then says so "
                "in its AWP columns or notes. A few rows give no figure (“N/A”), with a note. "
                "CMS: “The absence or presence of a HCPCS code and the payment allowance limits "
                "in this table does not indicate whether Medicare covers a drug.”"
            ),
            positions=f"column “Payment Limit” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_coinsurance_percent",
            label="Co-insurance",
            short="The share of the payment the beneficiary pays, as a percentage.",
            full=(
                "The “Co-insurance Percentage” column is the beneficiary's co-insurance for the "
                "drug. It is usually 20.000; it is 0.000 for the preventive vaccines Part B "
                "covers without cost sharing, and lower than 20 for drugs whose co-insurance is "
                "reduced in that quarter because their price rose faster than inflation."
            ),
            positions=f"column “Co-insurance Percentage” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_vaccine_awp_percent",
            label="Vaccine AWP%",
            short="For a vaccine priced from its average wholesale price: the percentage used.",
            full=(
                "The “Vaccine AWP%” column is filled for vaccines whose limit is a percentage of "
                "the average wholesale price (AWP) rather than ASP-based, typically 95; the "
                "resulting limit is in “Vaccine Limit”. Blank for other drugs."
            ),
            positions=f"column “Vaccine AWP%” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_vaccine_limit",
            label="Vaccine limit",
            short="The payment limit of a vaccine priced at a percentage of its AWP, in dollars.",
            full=(
                "The “Vaccine Limit” column is the per-unit limit for a vaccine priced at the "
                "“Vaccine AWP%” of its average wholesale price. Seasonal influenza vaccines point "
                "to CMS's Seasonal Influenza Vaccines Pricing page in their notes, where the "
                "current limits and effective dates are kept."
            ),
            positions=f"column “Vaccine Limit” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_blood_awp_percent",
            label="Blood AWP%",
            short="For a blood product priced from its average wholesale price: the percentage.",
            full=(
                "The “Blood AWP%” column is filled for blood and blood products whose limit is a "
                "percentage of the average wholesale price, typically 95; the limit is in "
                "“Blood limit”. Blank for other drugs."
            ),
            positions=f"column “Blood AWP%” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_blood_limit",
            label="Blood limit",
            short="The payment limit of a blood product priced at a percentage of its AWP.",
            full=(
                "The “Blood limit” column is the per-unit limit of a blood product priced at the "
                "“Blood AWP%” of its average wholesale price, in dollars."
            ),
            positions=f"column “Blood limit” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_clotting_factor",
            label="Clotting factor",
            short="Marks a blood clotting factor (1).",
            full=(
                "The “Clotting Factor” column holds 1 for blood clotting factors, for which "
                "Medicare also pays a per-unit furnishing fee that CMS updates each year. Blank "
                "for other drugs."
            ),
            positions=f"column “Clotting Factor” of the {_PRICING}",
        ),
        FieldDoc(
            name="asp_notes",
            label="Notes",
            short="CMS's note on this code's limit, when there is one.",
            full=(
                "The “Notes” column carries CMS's remarks on a row: where a limit is kept "
                "elsewhere (the influenza vaccine pricing page), why a row has no figure, or an "
                "effective date within the quarter."
            ),
            positions=f"column “Notes” of the {_PRICING}",
        ),
        FieldDoc(
            name="ndc",
            label="NDC",
            short="The National Drug Code of the package, in the 11-digit 5-4-2 billing form.",
            full=(
                "The “NDC2” column is the package's National Drug Code: labeler (5 digits), "
                "product (4) and package (2), as claims report it. FDA assigns 10-digit NDCs "
                "(4-4-2, 5-3-2 or 5-4-1); the 11-digit form adds a leading zero to the short "
                "part, so 0006-3026-02 is billed as 00006-3026-02. For products without an NDC, "
                "such as skin substitutes, CMS gives the manufacturer's product id instead."
            ),
            positions=f"column “NDC2” of the {_CROSSWALK}",
        ),
        FieldDoc(
            name="ndc_labeler_name",
            label="Labeler",
            short="The company that holds the NDC: manufacturer, repackager or distributor.",
            full=(
                "The “LABELER NAME” column names the firm the NDC's labeler code belongs to, "
                "the one that markets the package under its name."
            ),
            positions=f"column “LABELER NAME” of the {_CROSSWALK}",
        ),
        FieldDoc(
            name="ndc_drug_name",
            label="Trade name",
            short="The product's name as marketed (“Drug Name”), such as Keytruda.",
            full=(
                "The “Drug Name” column is the trade (brand) name of the package, or the generic "
                "name for products sold under it. Several trade names may bill under one code."
            ),
            positions=f"column “Drug Name” of the {_CROSSWALK}",
        ),
        FieldDoc(
            name="ndc_package",
            label="Package",
            short="The amount in one item (“PKG SIZE”) times the items in the package (“PKG QTY”).",
            full=(
                "“PKG SIZE” is the amount in one item of the package, in its own unit (4 for a "
                "4 mL vial), and “PKG QTY” the number of items in the package (a carton of 10 "
                "vials is 10)."
            ),
            positions=f"columns “PKG SIZE” and “PKG QTY” of the {_CROSSWALK}",
        ),
        FieldDoc(
            name="ndc_billing_units",
            label="Billable units per item",
            short="How many billing units of the code one item of the package holds (“BILLUNITS”).",
            full=(
                "The “BILLUNITS” column is the number of the code's billing units in one item: "
                "a 100 mg vial of a drug billed per 1 MG holds 100. CMS: the crosswalk "
                "“includes information on the NDC package size and the number of billable units "
                "(as defined by the HCPCS code descriptor)”."
            ),
            positions=f"column “BILLUNITS” of the {_CROSSWALK}",
        ),
        FieldDoc(
            name="ndc_billing_units_per_package",
            label="Billable units per package",
            short="How many billing units the whole package holds (“BILLUNITSPKG”).",
            full=(
                "The “BILLUNITSPKG” column is the number of the code's billing units in the whole "
                "package: the billable units per item times the items in the package. A carton "
                "of two 100-unit vials holds 200."
            ),
            positions=f"column “BILLUNITSPKG” of the {_CROSSWALK}",
        ),
        FieldDoc(
            name="noc_generic_name",
            label="NOC drug",
            short="A drug with no code of its own, billed under an unlisted code such as J3490.",
            full=(
                "CMS's NOC (not otherwise classified) files list drugs that have no HCPCS code "
                "yet, by generic and trade name, with a payment limit and their NDCs. They are "
                "billed under an unlisted or unclassified code; CMS: “Providers should contact "
                "their local Medicare contractor processing the claim for the most appropriate "
                "unlisted/unclassified HCPCS code to use in reporting these drugs to Medicare.”"
            ),
            positions="column “Drug Generic Name (Trade Name)” of the NOC pricing file",
        ),
    ]
}


# Tooltip rows in the shape the field-name template reads (no values: the drug templates
# show the figures themselves).
FIELDS = {name: FieldRow(doc, (), ()) for name, doc in DRUG_FIELD_DOCS.items()}
