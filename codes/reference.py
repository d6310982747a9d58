"""CMS code tables and field glossary for the HCPCS Level II record.

`CODE_TABLES` transcribes every code table of the CMS Alpha-Numeric HCPCS record layout
(the 2017, 2018 and 2019 layouts, whose tables are identical), plus the two values the 2026
layout adds: pricing indicator 40 and BETOS O1L. Meanings keep CMS's wording; wrapped lines are
joined with single spaces and "e.G." is written "e.g.". The glossary texts in `FIELD_DOCS`,
the section headings and the contact defaults are written for this site, not copied from CMS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from codes import layout

CODE_TABLES: dict[str, dict[str, str]] = {
    # Field 6, position 11: HCPCS record identification code.
    "record_id": {
        "3": "First line of procedure record also contains detail information in positions 92-275",
        "4": (
            "Second, third, fourth, etc., Description of procedure record. No detail information "
            "in positions 92-275"
        ),
        "7": "First line of modifier record also contains detail information in positions 92-275",
        "8": (
            "Second, third, fourth, etc., Description of modifier record. No detail information "
            "in positions 92-275"
        ),
    },
    # Field 9, positions 120-127 (four occurrences): pricing indicator code.
    # "40" is not in the 2017-2019 layouts; it comes from the 2026 layout.
    "pricing_indicator": {
        "00": (
            "Service not separately priced by part B (e.g., services not covered, bundled, used "
            "by part a only, etc.)"
        ),
        "11": "Price established using national rvu's",
        "12": "Price established using national anesthesia base units",
        "13": (
            "Price established by carriers (e.g., not otherwise classified, individual "
            "determination, carrier discretion)"
        ),
        "21": "Price subject to national limitation amount",
        "22": "Price established by carriers (e.g., gap-fills, carrier established panels)",
        "31": "Frequently serviced DME (price subject to floors and ceilings)",
        "32": "Inexpensive & routinely purchased DME (price subject to floors and ceilings)",
        "33": "Oxygen and oxygen equipment (price subject to floors and ceilings)",
        "34": "DME supplies (price subject to floors and ceilings)",
        "35": "Surgical dressings (price subject to floors and ceilings)",
        "36": "Capped rental DME (price subject to floors and ceilings)",
        "37": "Ostomy, tracheostomy and urological supplies (price subject to floors and ceilings)",
        "38": (
            "Orthotics, prosthetics, prosthetic devices & vision services (price subject to "
            "floors and ceilings)"
        ),
        "39": "Parenteral and Enteral Nutrition",
        "40": "Lymphedema Compression Treatment Items (eff 1/1/2024)",
        "45": "Customized DME items",
        "46": (
            "Carrier priced (e.g., not otherwise classified, individual determination, carrier "
            "discretion, gap-filled amounts)"
        ),
        "51": "Drugs",
        "52": "Reasonable charge",
        "53": "Statute",
        "54": "Vaccinations",
        "55": "Splints and Casts (effec 10/1/2014)",
        "56": "IOL's inserted in a physician's office (eff 10/1/2014)",
        "57": "Other carrier priced",
        "99": "Value not established",
    },
    # Field 10, position 128: multiple pricing indicator code.
    "multiple_pricing_indicator": {
        "9": (
            "Not applicable as HCPCS not priced separately by part B (pricing indicator is 00) or "
            "value is not established (pricing indicator is '99')"
        ),
        "A": "Not applicable as HCPCS priced under one methodology",
        "B": (
            "Professional component of HCPCS priced using RVU's, while technical component and "
            "global service priced by Medicare part B carriers"
        ),
        "C": (
            "Physician interpretation of clinical lab service is priced under physician fee "
            "schedule using RVU's, while pricing of lab service is paid under clinical lab fee "
            "schedule"
        ),
        "D": (
            "Service performed by physician is priced under physician fee schedule using RVU's, "
            "while service performed by clinical psychologist is priced under clinical "
            "psychologist fee schedule (not applicable as of January 1, 1998)"
        ),
        "E": (
            "Service performed by physician is priced under physician fee schedule using RVU's, "
            "service performed by clinical psychologist is priced under clinical psychologist's "
            "fee schedule and service performed by clinical social worker is priced under "
            "clinical social worker fee schedule (not applicable as of January 1, 1998)"
        ),
        "F": (
            "Service performed by physician is priced under physician fee schedule by carriers, "
            "service performed by clinical psychologist is priced under clinical psychologist's "
            "fee schedule and service performed by clinical social worker is priced under "
            "clinical social worker fee schedule (not applicable as of January 1, 1998)"
        ),
        "G": (
            "Clinical lab service priced under reasonable charge when service is submitted on "
            "claim with blood products, while service is priced under clinical lab fee schedule "
            "when there are no blood products on claim."
        ),
    },
    # Field 14, positions 181-204 (eight occurrences): lab certification code.
    # Subgroups (110, 115, ...) fall under their general category (100, ...).
    "lab_certification": {
        "010": "Histocompatibility testing",
        "100": "Microbiology",
        "110": "Bacteriology",
        "115": "Mycobacteriology",
        "120": "Mycology",
        "130": "Parasitology",
        "140": "Virology",
        "150": "Other microbiology",
        "200": "Diagnostic immunology",
        "210": "Syphilis serology",
        "220": "General immunology",
        "300": "Chemistry",
        "310": "Routine chemistry",
        "320": "Urinalysis",
        "330": "Endocrinology",
        "340": "Toxicology",
        "350": "Other chemistry",
        "400": "Hematology",
        "500": "Immunohematology",
        "510": "Abo group & RH type",
        "520": "Antibody detection (transfusion)",
        "530": "Antibody detection (nontransfusion)",
        "540": "Antibody identification",
        "550": "Compatibility testing",
        "560": "Other immunohematology",
        "600": "Pathology",
        "610": "Histopathology",
        "620": "Oral pathology",
        "630": "Cytology",
        "800": "Radiobioassay",
        "900": "Clinical cytogenetics",
    },
    # Field 16, position 230: coverage code.
    "coverage": {
        "C": "Carrier judgment",
        "D": "Special coverage instructions apply",
        "I": "Not payable by Medicare",
        "M": "Non-covered by Medicare",
        "S": "Non-covered by Medicare statute",
    },
    # Field 17, positions 231-232: ASC payment group code. Blank means not approved
    # for ASC; see ASC_GROUP_BLANK_MEANING (a blank is not a table key).
    "asc_group": {
        "YY": "Approved to be performed in an ambulatory surgical center",
    },
    # Field 19, positions 241-243: MOG (Medicare outpatient groups) payment group.
    # Body-system headings of the layout are kept as comments only.
    "opps_group": {
        "000": "No MOG applies",
        # Integumentary
        "102": "Level II needle biopsy/aspiration",
        "112": "Level II incision and drainage",
        "132": "Level II debridement/destruction",
        "142": "Level II excision/biopsy",
        "143": "Level III excision/biopsy",
        "151": "Level I skin repair",
        "152": "Level II skin repair",
        "153": "Level III skin repair",
        "160": "Incision/excision breast",
        "169": "Breast reconstruction/mastectomy",
        # Musculoskeletal
        "201": "Level I skull and facial bone procedures",
        "202": "Level II skull and facial bone procedures",
        "211": "Level I hand musculoskeletal procedures",
        "212": "Level II hand musculoskeletal procedures",
        "221": "Level I foot musculoskeletal procedures",
        "222": "Level II foot musculoskeletal procedures",
        "231": "Level I musculoskeletal procedures",
        "232": "Level II musculoskeletal procedures",
        "233": "Level III musculoskeletal procedures",
        "241": "Level I arthroscopy",
        "242": "Level II arthroscopy",
        "260": "Closed treatment fracture finger/toe/trunk",
        "269": "Closed treatment fracture/dislocation/except finger/toe/trunk",
        "270": "Open/percutaneous treatment fracture or dislocation",
        "279": "Bone/joint manipulation under anesthesia",
        "280": "Bunion procedures",
        "289": "Arthroplasty",
        "290": "Arthroplasty with prosthesis",
        # ENT/Respiratory/Cardiovascular/Lymphatic/Endocrine
        "302": "Level II ENT procedures",
        "303": "Level III ENT procedures",
        "304": "Level IV ENT procedures",
        "309": "Implantation of cochlear device (ASC rate does not include cost of implant)",
        "310": "Nasal cauterization/packing",
        "319": "Tonsil/adenoid procedures",
        "322": "Level II endoscopy upper airway",
        "323": "Level III endoscopy upper airway",
        "329": "Endoscopy lower airway",
        "330": "Thoracentesis/lavage procedures",
        "350": "Placement transvenous caths/cutdown",
        "359": "Removal/revision, pacemaker/vascular device",
        "360": "Vascular ligation",
        "369": "Vascular repair/fistula construction",
        "370": "Lymph node excisions",
        "379": "Thyroid/lymphadenectomy procedures",
        # Digestive
        "400": "Esophageal dilation without endoscopy",
        "410": "Esophagoscopy",
        "421": "Level I upper GI endoscopy/intubation",
        "422": "Level II upper GI endoscopy/intubation",
        "429": "Lower GI endoscopy",
        "430": "Anoscopy and diagnostic sigmoidoscopy",
        "439": "Therapeutic proctosigmoidoscopy",
        "440": "Small intestine endoscopy",
        "449": "Percutaneous biliary endoscopic procedures",
        "450": "Endoscopic retrograde cholangio-pancreatography (ERCP)",
        "460": "Hernia/hydrocele procedures",
        "472": "Level II anal/rectal procedures",
        "473": "Level III anal/rectal procedures",
        "480": "Peritoneal and abdominal procedures",
        "490": "Tube procedures",
        # Urinary/Genital
        "501": "Level I laparoscopy",
        "502": "Level II laparoscopy",
        "509": "Lithotripsy",
        "511": "Level I cystourethroscopy and other genitourinary procedures",
        "512": "Level II cystourethroscopy and other genitourinary procedures",
        "513": "Level III cystourethroscopy and other genitourinary procedures",
        "521": "Level I urethral procedures",
        "522": "Level II urethral procedures",
        "530": "Circumcision",
        "539": "Penile procedures",
        "540": "Insertion of penile prosthesis (ASC rate does include cost of implant)",
        "549": "Testes/epididymis procedures",
        "550": "Prostrate biopsy",
        "562": "Level II female reproductive procedures",
        "563": "Level III female reproductive procedures",
        "570": "Surgical hysteroscopy",
        "579": "D & C",
        "580": "Spontaneous abortion",
        "589": "Therapeutic abortion",
        # Nervous/Eye
        "602": "Level II nervous system injections",
        "609": "Revision/removal neurological device",
        "610": (
            "Implantation of neurostimulator electrodes (ASC rate does not include cost of implant)"
        ),
        "619": "Implantation of neurological devices (asc rate does not include cost of implant)",
        "621": "Level I nerve procedures",
        "622": "Level II nerve procedures",
        "629": "Spinal tap",
        "639": "Laser eye procedures except retinal",
        "640": "Cataract procedures",
        "649": "Cataract procedures with IOL insert (includes $150 insert)",
        "651": "Level I anterior segment eye procedures",
        "652": "Level II anterior segment eye procedures",
        "659": "Corneal transplant (ASC rate includes price of transplant)",
        "660": "Posterior segment eye procedures",
        "669": "Strabismus/muscle procedures",
        "673": "Level III eye procedure",
        "674": "Level IV eye procedure",
        "680": "Vitrectomy",
        "689": "Implantation/replacement of intraitreal drug",
    },
    # Field 20, position 244: MOG payment policy indicator.
    "opps_indicator": {
        "1": "ASC covered procedure",
        "2": "Bundled service/no separate payment",
        "3": "Excluded from ASC list",
        "4": "Invalid code/90 day grace period",
        "6": "Separate payment when furnished in an ASC",
        "7": "ASC restricted coverage procedure",
        "9": "ASC payment not applicable",
    },
    # BETOS_TB (field 23, positions 257-259): Berenson-Eggers type of service.
    # "O1L" is not in the 2017-2019 layouts; it comes from the 2026 layout.
    "betos": {
        "M1A": "Office visits - new",
        "M1B": "Office visits - established",
        "M2A": "Hospital visit - initial",
        "M2B": "Hospital visit - subsequent",
        "M2C": "Hospital visit - critical care",
        "M3": "Emergency room visit",
        "M4A": "Home visit",
        "M4B": "Nursing home visit",
        "M5A": "Specialist - pathology",
        "M5B": "Specialist - psychiatry",
        "M5C": "Specialist - opthamology",
        "M5D": "Specialist - other",
        "M6": "Consultations",
        "P0": "Anesthesia",
        "P1A": "Major procedure - breast",
        "P1B": "Major procedure - colectomy",
        "P1C": "Major procedure - cholecystectomy",
        "P1D": "Major procedure - turp",
        "P1E": "Major procedure - hysterectomy",
        "P1F": "Major procedure - explor/decompr/excisdisc",
        "P1G": "Major procedure - Other",
        "P2A": "Major procedure, cardiovascular-CABG",
        "P2B": "Major procedure, cardiovascular-Aneurysm repair",
        "P2C": "Major Procedure, cardiovascular-Thromboendarterectomy",
        "P2D": "Major procedure, cardiovascualr-Coronary angioplasty (PTCA)",
        "P2E": "Major procedure, cardiovascular-Pacemaker insertion",
        "P2F": "Major procedure, cardiovascular-Other",
        "P3A": "Major procedure, orthopedic - Hip fracture repair",
        "P3B": "Major procedure, orthopedic - Hip replacement",
        "P3C": "Major procedure, orthopedic - Knee replacement",
        "P3D": "Major procedure, orthopedic - other",
        "P4A": "Eye procedure - corneal transplant",
        "P4B": "Eye procedure - cataract removal/lens insertion",
        "P4C": "Eye procedure - retinal detachment",
        "P4D": "Eye procedure - treatment of retinal lesions",
        "P4E": "Eye procedure - other",
        "P5A": "Ambulatory procedures - skin",
        "P5B": "Ambulatory procedures - musculoskeletal",
        "P5C": "Ambulatory procedures - inguinal hernia repair",
        "P5D": "Ambulatory procedures - lithotripsy",
        "P5E": "Ambulatory procedures - other",
        "P6A": "Minor procedures - skin",
        "P6B": "Minor procedures - musculoskeletal",
        "P6C": "Minor procedures - other (Medicare fee schedule)",
        "P6D": "Minor procedures - other (non-Medicare fee schedule)",
        "P7A": "Oncology - radiation therapy",
        "P7B": "Oncology - other",
        "P8A": "Endoscopy - arthroscopy",
        "P8B": "Endoscopy - upper gastrointestinal",
        "P8C": "Endoscopy - sigmoidoscopy",
        "P8D": "Endoscopy - colonoscopy",
        "P8E": "Endoscopy - cystoscopy",
        "P8F": "Endoscopy - bronchoscopy",
        "P8G": "Endoscopy - laparoscopic cholecystectomy",
        "P8H": "Endoscopy - laryngoscopy",
        "P8I": "Endoscopy - other",
        "P9A": "Dialysis services (medicare fee schedule)",
        "P9B": "Dialysis services (non-medicare fee schedule)",
        "I1A": "Standard imaging - chest",
        "I1B": "Standard imaging - musculoskeletal",
        "I1C": "Standard imaging - breast",
        "I1D": "Standard imaging - contrast gastrointestinal",
        "I1E": "Standard imaging - nuclear medicine",
        "I1F": "Standard imaging - other",
        "I2A": "Advanced imaging - CAT/CT/CTA: brain/head/neck",
        "I2B": "Advanced imaging - CAT/CT/CTA: other",
        "I2C": "Advanced imaging - MRI/MRA: brain/head/neck",
        "I2D": "Advanced imaging - MRI/MRA: other",
        "I3A": "Echography/ultrasonography - eye",
        "I3B": "Echography/ultrasonography - abdomen/pelvis",
        "I3C": "Echography/ultrasonography - heart",
        "I3D": "Echography/ultrasonography - carotid arteries",
        "I3E": "Echography/ultrasonography - prostate, transrectal",
        "I3F": "Echography/ultrasonography - other",
        "I4A": "Imaging/procedure - heart including cardiac catheterization",
        "I4B": "Imaging/procedure - other",
        "T1A": "Lab tests - routine venipuncture (non Medicare fee schedule)",
        "T1B": "Lab tests - automated general profiles",
        "T1C": "Lab tests - urinalysis",
        "T1D": "Lab tests - blood counts",
        "T1E": "Lab tests - glucose",
        "T1F": "Lab tests - bacterial cultures",
        "T1G": "Lab tests - other (Medicare fee schedule)",
        "T1H": "Lab tests - other (non-Medicare fee schedule)",
        "T2A": "Other tests - electrocardiograms",
        "T2B": "Other tests - cardiovascular stress tests",
        "T2C": "Other tests - EKG monitoring",
        "T2D": "Other tests - other",
        "D1A": "Medical/surgical supplies",
        "D1B": "Hospital beds",
        "D1C": "Oxygen and supplies",
        "D1D": "Wheelchairs",
        "D1E": "Other DME",
        "D1F": "Prosthetic/Orthotic devices",
        "D1G": "Drugs Administered through DME",
        "O1A": "Ambulance",
        "O1B": "Chiropractic",
        "O1C": "Enteral and parenteral",
        "O1D": "Chemotherapy",
        "O1E": "Other drugs",
        "O1F": "Hearing and speech services",
        "O1G": "Immunizations/Vaccinations",
        "O1L": "Lymphedema Compression Treatment Items (eff 1/1/2024)",
        "Y1": "Other - Medicare fee schedule",
        "Y2": "Other - non-Medicare fee schedule",
        "Z1": "Local codes",
        "Z2": "Undefined codes",
    },
    # CMS_TYPE_SRVC_TB (field 25, positions 261-265, five occurrences).
    "type_of_service": {
        "1": "Medical care",
        "2": "Surgery",
        "3": "Consultation",
        "4": "Diagnostic radiology",
        "5": "Diagnostic laboratory",
        "6": "Therapeutic radiology",
        "7": "Anesthesia",
        "8": "Assistant at surgery",
        "9": "Other medical items or services",
        "0": "Whole blood only eff 01/96, whole blood or packed red cells before 01/96",
        "A": "Used durable medical equipment (DME)",
        "B": "High risk screening mammography (obsolete 1/1/98)",
        "C": "Low risk screening mammography (obsolete 1/1/98)",
        "D": "Ambulance (eff 04/95)",
        "E": "Enteral/parenteral nutrients/supplies (eff 04/95)",
        "F": "Ambulatory surgical center (facility usage for surgical services)",
        "G": "Immunosuppressive drugs",
        "H": "Hospice services (discontinued 01/95)",
        "I": "Purchase of DME (installment basis) (discontinued 04/95)",
        "J": "Diabetic shoes (eff 04/95)",
        "K": "Hearing items and services (eff 04/95)",
        "L": "ESRD supplies (eff 04/95) (renal supplier in the home before 04/95)",
        "M": "Monthly capitation payment for dialysis",
        "N": "Kidney donor",
        "P": "Lump sum purchase of DME, prosthetics, orthotics",
        "Q": "Vision items or services",
        "R": "Rental of DME",
        "S": "Surgical dressings or other medical supplies (eff 04/95)",
        "T": (
            "Psychological therapy (term. 12/31/97) outpatient mental health limitation (eff. "
            "1/1/98)"
        ),
        "U": "Occupational therapy",
        "V": (
            "Pneumococcal/flu vaccine (eff 01/96), Pneumococcal/flu/hepatitis B vaccine (eff "
            "04/95-12/95), Pneumococcal only before 04/95"
        ),
        "W": "Physical therapy",
        "Y": "Second opinion on elective surgery (obsoleted 1/97)",
        "Z": "Third opinion on elective surgery (obsoleted 1/97)",
    },
    # Field 30, position 293: action code.
    "action": {
        "A": "Add procedure or modifier code",
        "B": (
            "Change in both administrative data field and long description of procedure or "
            "modifier code"
        ),
        "C": "Change in long description of procedure or modifier code",
        "D": "Discontinue procedure or modifier code",
        "F": "Change in administrative data field of procedure or modifier code",
        "N": "No maintenance for this code",
        "P": (
            "Payment change (MOG, pricing indicator codes, anesthesia base units,Ambulatory "
            "Surgical Centers)"
        ),
        "R": "Re-activate discontinued/deleted procedure or modifier code",
        "S": "Change in short description of procedure code",
        "T": "Miscellaneous change (BETOS, type of service)",
    },
}

# The layout's rule for a blank ASC payment group (positions 231-232).
ASC_GROUP_BLANK_MEANING = "Not approved for ASC"


def decode(table: str, value: str) -> str | None:
    """The meaning of `value` in code table `table`, or None if blank or not in the table."""
    if value is None:
        return None
    key = str(value).strip()
    if not key:
        return None
    return CODE_TABLES.get(table, {}).get(key)


@dataclass(frozen=True)
class FieldDoc:
    """Glossary entry for one field of the record (positions are 1-based, inclusive)."""

    name: str
    label: str
    short: str
    full: str
    positions: str = ""
    table: str | None = None
    repeats: int = 1


_FIELD_DOC_LIST: list[FieldDoc] = [
    FieldDoc(
        name="code",
        label="HCPCS code",
        short=(
            "The five-character HCPCS code, or the two-character modifier, that this record "
            "describes."
        ),
        full=(
            "Positions 1–5 of the record hold the code; a modifier is written as three blanks "
            "followed by its two characters in positions 4–5. Level II codes are a letter followed "
            "by four digits and are maintained by CMS with the alpha-numeric editorial panel; they "
            "cover mainly supplies, equipment, drugs and non-physician services that CPT does not "
            "describe. The D series carries the American Dental Association's CDT codes and "
            "descriptors, which are ADA copyright. Level I (CPT) codes are five-digit numeric "
            "codes owned by the American Medical Association."
        ),
    ),
    FieldDoc(
        name="kind",
        label="Code type",
        short=(
            "Whether this is a procedure code or a modifier, taken from the record identification "
            "code."
        ),
        full=(
            "Position 11 holds the record identification code: 3 starts a procedure code and 7 "
            "starts a modifier, while 4 and 8 mark their continuation lines, which carry only more "
            "long-description text. Only the first line (3 or 7) has the payment and coverage data "
            "in positions 92–275. A modifier tells the payer that a service was changed by some "
            "circumstance, for example split into professional and technical components, done "
            "bilaterally, repeated or reduced, without changing what the code means."
        ),
    ),
    FieldDoc(
        name="sequence_number",
        label="Sequence number",
        short=(
            "Orders the lines that belong to one code: 00100 in the text file, 0010 in the "
            "workbook, shown here as published."
        ),
        full=(
            "Positions 6–10 hold a five-digit number that rises by 100 from line to line. It "
            "groups procedure or modifier lines together and keeps the pieces of a long "
            "description in order, so the first line of a code is 00100, the next 00200, and so "
            "on. The spreadsheet version of the file shows it with four digits (0010)."
        ),
    ),
    FieldDoc(
        name="long_description",
        label="Long description",
        short="The full wording of the code or modifier, which is what you code from.",
        full=(
            "Positions 12–91 hold 80 characters of description; a longer text carries on in the "
            "same positions of the continuation lines (record id 4 or 8), and this site joins "
            "those pieces in sequence order. For CPT codes CMS has supplied the AMA's "
            "consumer-friendly descriptions here since 2013. CPT codes and descriptions belong to "
            "the American Medical Association, are not public property and may only be used as "
            "copyright law allows; likewise the ADA owns the dental (D) code descriptors."
        ),
    ),
    FieldDoc(
        name="short_description",
        label="Short description",
        short="An abbreviated name of at most 28 characters, as claim systems display it.",
        full=(
            "Positions 92–119 hold a condensed description of no more than 28 characters, used "
            "where space is tight such as claim screens and remittance notices. It is an "
            "abbreviation, so always check the long description before choosing a code. The AMA's "
            "copyright covers the short descriptions of CPT codes as well."
        ),
    ),
    FieldDoc(
        name="action_code",
        label="Action code",
        short=(
            "What CMS changed about this code in this release, for example added or discontinued."
        ),
        full=(
            "Position 293 holds a one-letter code for the maintenance done to the code or modifier "
            "in this release: added, discontinued, reactivated, a change to the long or short "
            "description, to administrative fields or to payment data, or no change at all (N). "
            "Read it together with the action effective date to see when the change applies."
        ),
    ),
    FieldDoc(
        name="action_effective_date",
        label="Action effective date",
        short="The date from which the action shown by the action code applies.",
        full=(
            "Positions 277–284 hold the date (YYYYMMDD) on which the change recorded in the action "
            "code took effect for this code or modifier. When nothing changed in this release "
            "(action N), the date belongs to an earlier action and can be years old."
        ),
    ),
    FieldDoc(
        name="date_added",
        label="Date added",
        short="When this code first entered the HCPCS code set.",
        full=(
            "Positions 269–276 record when the code was added to HCPCS. The layout calls it the "
            "year the code was added, but the field is stored as a full YYYYMMDD date, usually the "
            "first of January or the first day of a quarter."
        ),
    ),
    FieldDoc(
        name="termination_date",
        label="Termination date",
        short=(
            "The last date Medicare accepts this code; a blank means it has not been terminated."
        ),
        full=(
            "Positions 285–292 hold the last date (YYYYMMDD) on which providers may report the "
            "code or modifier to Medicare. Terminated codes stay in the file with this date filled "
            "in; the release that discontinues a code gives it action code D. When a replacement "
            "exists, look at the cross reference field for the code to use instead."
        ),
    ),
    FieldDoc(
        name="pricing_indicators",
        label="Pricing indicator",
        short=(
            "How Medicare Part B sets the payment amount for this code, for example a fee schedule."
        ),
        full=(
            "Positions 120–127 hold up to four two-character pricing indicators, so a procedure "
            "may have one to four of them. Each names the method used to work out the Part B "
            "payment amount: the physician fee schedule, the clinical lab fee schedule, the DMEPOS "
            "fee schedule categories, drug pricing, reasonable charge, carrier pricing and so on. "
            "00 means Part B does not price the service separately (not covered, bundled or Part A "
            "only), and 99 means no value has been established."
        ),
    ),
    FieldDoc(
        name="multiple_pricing_indicator",
        label="Multiple pricing indicator",
        short=(
            "Tells whether the code can be priced in more than one way, and how the methods split."
        ),
        full=(
            "Position 128 flags codes whose payment may be set by more than one method, for "
            "example a professional component priced with RVUs while the technical component is "
            "carrier priced. A means a single method applies; 9 means the question does not arise "
            "because the code is not separately priced (pricing indicator 00) or has no "
            "established value (99). Several values describe psychologist and social worker "
            "arrangements that stopped applying on January 1, 1998."
        ),
    ),
    FieldDoc(
        name="coverage_code",
        label="Coverage code",
        short="Medicare's coverage status for the code, such as carrier judgment or not payable.",
        full=(
            "Position 230 holds a one-letter Medicare coverage status. C leaves coverage to the "
            "contractor's judgment, D means special coverage instructions apply, I means the code "
            "is not payable by Medicare, M means Medicare does not cover it, and S means a statute "
            "excludes it. Coverage under other payers is not described by this field."
        ),
    ),
    FieldDoc(
        name="betos_code",
        label="BETOS code",
        short=(
            "The Berenson-Eggers type-of-service category, a clinical grouping used to analyse "
            "spending and volume."
        ),
        full=(
            "Positions 257–259 hold the Berenson-Eggers Type of Service code, which places the "
            "code in a broad, clinically meaningful category such as evaluation and management, "
            "procedures, imaging, tests, durable medical equipment or other. The field is filled "
            "from 2003 data onward. It is used for grouping and research, not for payment or "
            "coverage decisions."
        ),
    ),
    FieldDoc(
        name="type_of_service_codes",
        label="Type of service",
        short="The CMS type-of-service codes that describe what kind of service the code is.",
        full=(
            "Positions 261–265 hold up to five one-character CMS type-of-service codes assigned by "
            "the carrier, each naming a kind of service the code can represent, for example "
            "surgery, diagnostic laboratory, rental of DME or lump-sum purchase. A code that can "
            "be billed in several ways, such as equipment that may be rented or bought, carries "
            "several values. Some values in the table are historical and carry their effective or "
            "end dates."
        ),
    ),
    FieldDoc(
        name="cross_references",
        label="Cross reference",
        short=(
            "The valid code or codes to use instead when this code is deleted or not valid for "
            "Medicare."
        ),
        full=(
            "Positions 205–229 hold up to five five-character codes. Each is a crosswalk from a "
            "deleted code, or from a code Medicare does not accept, to a valid current code or "
            "range of codes. Check the long description of the code you are pointed to before you "
            "use it, since a crosswalk is not always a one-to-one match."
        ),
    ),
    FieldDoc(
        name="cim_references",
        label="Coverage Issues Manual reference",
        short="Sections of the Medicare Coverage Issues Manual that govern coverage of this code.",
        full=(
            "Positions 129–146 hold up to three six-character section numbers (for example 60-9) "
            "of the Coverage Issues Manual, Medicare's former compilation of national coverage "
            "policy. That manual has since been replaced by the National Coverage Determinations "
            "Manual, so an old section number may need to be looked up there under its newer "
            "numbering."
        ),
    ),
    FieldDoc(
        name="mcm_references",
        label="Medicare Carriers Manual reference",
        short=(
            "Sections of the Medicare Carriers Manual with the billing or payment rules for this "
            "code."
        ),
        full=(
            "Positions 147–170 hold up to three eight-character section numbers (for example 2049) "
            "of the Medicare Carriers Manual, the instructions CMS gave Part B carriers. The "
            "manual has been superseded by CMS's internet-only manuals, so the references are "
            "historical pointers rather than current chapter numbers."
        ),
    ),
    FieldDoc(
        name="statute",
        label="Statute",
        short="The law, usually a section of the Social Security Act, behind this code's coverage.",
        full=(
            "Positions 171–180 hold a reference of up to ten characters to the statute that "
            "provides for, or rules out, coverage of the procedure or service, for example 1862A7 "
            "for section 1862(a)(7) of the Social Security Act. CMS writes these references in "
            "several styles, so the same section may appear in different forms."
        ),
    ),
    FieldDoc(
        name="lab_certifications",
        label="Lab certification",
        short="The laboratory certification specialties under which a lab may perform this test.",
        full=(
            "Positions 181–204 hold up to eight three-digit codes that place a laboratory test in "
            "CMS's specialty certification categories, such as chemistry, hematology or cytology. "
            "A laboratory certified for a general category (for example 100, microbiology) may "
            "perform every test in its subgroups (110, 115, 120 and so on)."
        ),
    ),
    FieldDoc(
        name="asc_group",
        label="ASC payment group",
        short=(
            "YY means the procedure is approved for an ambulatory surgical center; blank means not."
        ),
        full=(
            "Positions 231–232 hold YY when the procedure is approved to be performed in an "
            "ambulatory surgical center (ASC); a blank means it is not approved for ASC. The "
            "payment amounts themselves are not in this file: they are published in CMS's ASC "
            "payment tables."
        ),
    ),
    FieldDoc(
        name="asc_effective_date",
        label="ASC group effective date",
        short="The date the procedure was placed in its ASC payment group.",
        full=(
            "Positions 233–240 hold the date (YYYYMMDD) from which the procedure has been assigned "
            "to its ambulatory surgical center payment group. It is blank when the procedure has "
            "no ASC group."
        ),
    ),
    FieldDoc(
        name="opps_group",
        label="MOG payment group",
        short=(
            "The Medicare outpatient group (MOG) used for facility payment; 000 means none applies."
        ),
        full=(
            "Positions 241–243 hold the three-digit Medicare outpatient group (MOG) payment group. "
            "The first digit stands for the body system, the second numbers the groups within that "
            "system, and the third gives the level of intensity: 1 to 4 are levels of a graded "
            "group, while 0 and 9 mark a group with a single level. 000 means no MOG applies. The "
            "spreadsheet version of the file labels this column OPPS."
        ),
    ),
    FieldDoc(
        name="opps_indicator",
        label="MOG payment policy indicator",
        short=(
            "Whether the code earns an ASC facility fee, a separate fee under another Medicare "
            "rule, or no fee."
        ),
        full=(
            "Position 244 holds the MOG payment policy indicator. It tells whether the code is "
            "paid through an ambulatory surgical center facility fee, is paid separately under "
            "some other Medicare provision, is bundled into another service, or is excluded from "
            "the ASC list altogether. The spreadsheet version of the file labels this column "
            "OPPS_PI."
        ),
    ),
    FieldDoc(
        name="opps_effective_date",
        label="MOG effective date",
        short="The date the procedure was assigned to its MOG payment group.",
        full=(
            "Positions 245–252 hold the date (YYYYMMDD) from which the procedure belongs to its "
            "Medicare outpatient group (MOG) payment group. It is blank when no group is assigned. "
            "The spreadsheet version of the file labels this column OPPS_DT."
        ),
    ),
    FieldDoc(
        name="anesthesia_base_units",
        label="Anesthesia base units",
        short="The units that measure the work of an anesthesia service apart from its time.",
        full=(
            "Positions 266–268 hold the base units, a measure of the intensity of an anesthesia "
            "service covering everything except time: the usual pre- and post-operative visits, "
            "giving fluids or blood as part of the anesthesia care, and monitoring. Medicare works "
            "out the payment from the base units, the time units and the anesthesia conversion "
            "factor. Most Level II codes show 0 here."
        ),
    ),
    FieldDoc(
        name="processing_note",
        label="Processing note",
        short="The number of a CMS processing note with extra instructions for this code.",
        full=(
            "Positions 253–256 hold a four-digit note number. The note text is in Appendix A of "
            "the HCPCS manual, which CMS ships with each release as the proc_notes file; for "
            "example, note 0088 explains that S codes are for private payers and are not valid for "
            "Medicare. Notes are published with each release, so the note to read is the one from "
            "the same release as the record."
        ),
    ),
]

# Positions, repeats and code table come from the one description of the record.
FIELD_DOCS: dict[str, FieldDoc] = {
    doc.name: replace(
        doc,
        positions=layout.BY_NAME[doc.name].positions,
        table=layout.BY_NAME[doc.name].table,
        repeats=layout.BY_NAME[doc.name].repeats,
    )
    for doc in _FIELD_DOC_LIST
}


# Sections of HCPCS Level II (AAPC-style ranges; headings are ours). Range ends drift
# between releases, so pages compute each section's actual first and last code from data.
SECTIONS: list[tuple[str, str, str]] = [
    ("A0021", "A0999", "Transportation services including ambulance"),
    ("A2001", "A2021", "Matrix for wound management"),
    ("A4100", "A4100", "Skin substitute device"),
    ("A4206", "A8004", "Medical and surgical supplies"),
    ("A9150", "A9999", "Administrative, miscellaneous and investigational"),
    ("B4034", "B9999", "Enteral and parenteral therapy"),
    ("C1052", "C1062", "Other therapeutic procedures"),
    ("C1713", "C9899", "Outpatient PPS"),
    ("D0120", "D9999", "Dental procedures"),
    ("E0100", "E8002", "Durable medical equipment"),
    ("G0008", "G9999", "Procedures / professional services (temporary)"),
    ("H0001", "H2037", "Alcohol and drug abuse treatment services"),
    ("J0120", "J8999", "Drugs administered other than oral method"),
    ("J9000", "J9999", "Chemotherapy drugs"),
    ("K0001", "K0900", "Durable medical equipment for Medicare administrative contractors"),
    ("K1001", "K1099", "Components, accessories and supplies"),
    ("L0112", "L4631", "Orthotic procedures and services"),
    ("L5000", "L9900", "Prosthetic procedures"),
    ("M0001", "M1999", "Medical services (other)"),
    ("P2028", "P9615", "Pathology and laboratory services"),
    ("Q0035", "Q9992", "Temporary codes"),
    ("R0070", "R0076", "Diagnostic radiology services"),
    ("S0012", "S9999", "Temporary national codes (non-Medicare)"),
    ("T1000", "T5999", "National T codes established for state Medicaid agencies"),
    ("U0001", "U0005", "Coronavirus diagnostic panel"),
    ("V2020", "V2799", "Vision services"),
    ("V5008", "V5364", "Hearing services"),
]

# Finer headings inside some sections, same shape as SECTIONS.
SUBSECTIONS: list[tuple[str, str, str]] = [
    ("A4206", "A4232", "Injection and infusion supplies"),
    ("A4233", "A4239", "Replacement batteries"),
    ("A4244", "A4290", "Other supplies"),
    ("A4310", "A4360", "Incontinence"),
    ("A4361", "A4437", "Ostomy"),
    ("A4450", "A4608", "Tapes and dressings"),
    ("A4653", "A4932", "Dialysis"),
    ("A6000", "A6550", "Dressings, bandages and compression garments"),
    ("A7000", "A7049", "Breathing aids"),
    ("A7501", "A7527", "Tracheostoma supplies"),
    ("J0120", "J7175", "Injections"),
    ("J7177", "J7212", "Clotting factors"),
    ("J7500", "J7599", "Immunosuppressives"),
    ("J7604", "J7686", "Inhalation solutions"),
    ("J8501", "J8999", "Oral chemotherapy"),
]


@dataclass(frozen=True)
class SectionRange:
    """One section of SECTIONS with the code range it owns in the data.

    A code belongs to the section whose published start is the last one at or before it
    within its letter, or to the letter's first section: range ends drift between
    releases (A2022-A2027 came after the published A2021), so codes past an end still
    land in exactly one section. `low` (inclusive) and `high` (exclusive) are those
    bounds, so a database filter and `section_for` always agree.
    """

    slug: str
    first: str
    last: str
    heading: str
    low: str
    high: str

    @property
    def letter(self) -> str:
        return self.first[0]

    def contains(self, code: str) -> bool:
        return self.low <= code < self.high

    @property
    def subsections(self) -> list[tuple[str, str, str]]:
        return [s for s in SUBSECTIONS if self.low <= s[0] < self.high]


def _slug(heading: str) -> str:
    words = "".join(c.lower() if c.isalnum() else " " for c in heading).split()
    return "-".join(words)


def _section_ranges() -> tuple[SectionRange, ...]:
    ranges = []
    for n, (first, last, heading) in enumerate(SECTIONS):
        letter = first[0]
        starts_letter = n == 0 or SECTIONS[n - 1][0][0] != letter
        following = SECTIONS[n + 1][0] if n + 1 < len(SECTIONS) else ""
        high = following if following[:1] == letter else chr(ord(letter) + 1)
        low = letter if starts_letter else first
        ranges.append(SectionRange(_slug(heading), first, last, heading, low, high))
    return tuple(ranges)


SECTION_RANGES: tuple[SectionRange, ...] = _section_ranges()
# CMS's file carries no dental codes (the ADA publishes CDT itself); none of the releases
# 2017-2025 lists a D procedure code, so the dental section is named but never offered.
SECTIONS_NOT_IN_FILE = frozenset({"dental-procedures"})
OFFERED_SECTIONS: tuple[SectionRange, ...] = tuple(
    s for s in SECTION_RANGES if s.slug not in SECTIONS_NOT_IN_FILE
)
SECTIONS_BY_SLUG: dict[str, SectionRange] = {s.slug: s for s in SECTION_RANGES}


def section_for(code: str) -> SectionRange | None:
    """The one section a procedure code belongs to (None for a letter without sections)."""
    return next((s for s in SECTION_RANGES if s.contains(code)), None)
