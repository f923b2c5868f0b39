"""Procedure modifiers: the format, our table of common payment modifiers, and modifier groups.

The wording is our own short description of what each modifier tells the payer (no AMA or
CMS text). CPT modifiers are the two-digit ones (and P1-P6); the others are HCPCS Level II.
The table is not every modifier in use: a modifier outside it is only a warning unless the
user's HCPCS file (which lists Level II modifiers with dates) is loaded.
"""

from __future__ import annotations

from types import MappingProxyType

from coding.hcpcs import is_modifier_format

__all__ = [
    "ANATOMIC",
    "CPT_MODIFIERS",
    "DISTINCT",
    "LEVEL2_MODIFIERS",
    "MODIFIERS",
    "PROFESSIONAL_COMPONENT",
    "REPEAT",
    "is_cpt_modifier",
    "is_modifier_format",
]

CPT_MODIFIERS = MappingProxyType(
    {
        "22": "more work than the procedure usually takes",
        "23": "general anesthesia where none is usual",
        "24": "unrelated E/M visit in a postoperative period",
        "25": "separate, significant E/M visit on the day of a procedure",
        "26": "professional component only",
        "27": "more than one outpatient hospital E/M visit on a day",
        "32": "service mandated by a third party",
        "33": "preventive service",
        "47": "anesthesia given by the surgeon",
        "50": "both sides (bilateral)",
        "51": "more than one procedure in a session",
        "52": "service reduced at the provider's choice",
        "53": "procedure stopped for the patient's safety",
        "54": "surgery only, without pre- or postoperative care",
        "55": "postoperative care only",
        "56": "preoperative care only",
        "57": "visit where the decision to operate was made",
        "58": "planned or related follow-up procedure in a postoperative period",
        "59": "procedure distinct from others on the same day",
        "62": "two surgeons share the procedure",
        "63": "procedure on an infant under 4 kg",
        "66": "surgical team",
        "73": "outpatient procedure stopped before anesthesia",
        "74": "outpatient procedure stopped after anesthesia began",
        "76": "same procedure repeated by the same clinician",
        "77": "same procedure repeated by another clinician",
        "78": "unplanned return to the operating room in a postoperative period",
        "79": "unrelated procedure in a postoperative period",
        "80": "assistant surgeon",
        "81": "minimal assistance by a surgeon",
        "82": "assistant surgeon when no qualified resident was available",
        "90": "test done by an outside laboratory",
        "91": "clinical lab test repeated on the same day for a new result",
        "92": "test run on a different laboratory platform",
        "93": "real-time service by audio only",
        "95": "real-time service by audio and video",
        "96": "habilitative service",
        "97": "rehabilitative service",
        "99": "several modifiers apply",
        "P1": "anesthesia: healthy patient",
        "P2": "anesthesia: mild systemic disease",
        "P3": "anesthesia: severe systemic disease",
        "P4": "anesthesia: severe disease, constant threat to life",
        "P5": "anesthesia: not expected to survive without the operation",
        "P6": "anesthesia: brain-dead organ donor",
    }
)

LEVEL2_MODIFIERS = MappingProxyType(
    {
        "AA": "anesthesia given personally by the anesthesiologist",
        "AD": "anesthesiologist supervising more than four procedures",
        "AI": "principal physician of record",
        "AQ": "service in a shortage area without a bonus claim",
        "AS": "assistant at surgery by a PA, NP or clinical nurse specialist",
        "CO": "outpatient occupational therapy partly by an assistant",
        "CQ": "outpatient physical therapy partly by an assistant",
        "CR": "related to a catastrophe or disaster",
        "CS": "cost sharing waived by law",
        "E1": "upper left eyelid",
        "E2": "lower left eyelid",
        "E3": "upper right eyelid",
        "E4": "lower right eyelid",
        "EP": "early periodic screening (EPSDT) service",
        "FA": "left thumb",
        "F1": "left hand, second digit",
        "F2": "left hand, third digit",
        "F3": "left hand, fourth digit",
        "F4": "left hand, fifth digit",
        "F5": "right thumb",
        "F6": "right hand, second digit",
        "F7": "right hand, third digit",
        "F8": "right hand, fourth digit",
        "F9": "right hand, fifth digit",
        "FP": "family planning service",
        "FQ": "service by audio-only communication",
        "FR": "supervising clinician present by audio and video",
        "FS": "split or shared visit",
        "FT": "unrelated E/M visit on the day of or after a procedure",
        "GA": "signed liability waiver (ABN) on file",
        "GC": "service partly by a resident under a teaching physician",
        "GE": "resident service without the teaching physician present",
        "GN": "under an outpatient speech-language pathology plan",
        "GO": "under an outpatient occupational therapy plan",
        "GP": "under an outpatient physical therapy plan",
        "GQ": "service by asynchronous telecommunication",
        "GT": "service by interactive audio and video (institutional telehealth)",
        "GV": "attending physician not employed by the hospice",
        "GW": "service unrelated to the hospice condition",
        "GX": "voluntary liability notice given",
        "GY": "item or service excluded by statute or not a benefit",
        "GZ": "expected to be denied, no waiver on file",
        "JG": "drug bought under the 340B program",
        "JW": "drug amount discarded",
        "JZ": "no drug amount discarded",
        "KX": "payer policy requirements met",
        "LC": "left circumflex coronary artery",
        "LD": "left anterior descending coronary artery",
        "LM": "left main coronary artery",
        "LT": "left side",
        "NU": "new equipment",
        "PN": "non-excepted off-campus hospital department",
        "PO": "excepted off-campus hospital department",
        "PT": "screening turned diagnostic or therapeutic",
        "Q5": "substitute clinician under a reciprocal arrangement",
        "Q6": "substitute clinician paid by time (locum tenens)",
        "QK": "medical direction of two to four anesthesia procedures",
        "QW": "CLIA-waived test",
        "QX": "nurse anesthetist with medical direction",
        "QY": "medical direction of one nurse anesthetist",
        "QZ": "nurse anesthetist without medical direction",
        "RC": "right coronary artery",
        "RI": "ramus intermedius coronary artery",
        "RR": "rental",
        "RT": "right side",
        "SA": "nurse practitioner with a physician",
        "SL": "vaccine supplied by the state",
        "TA": "left great toe",
        "T1": "left foot, second digit",
        "T2": "left foot, third digit",
        "T3": "left foot, fourth digit",
        "T4": "left foot, fifth digit",
        "T5": "right great toe",
        "T6": "right foot, second digit",
        "T7": "right foot, third digit",
        "T8": "right foot, fourth digit",
        "T9": "right foot, fifth digit",
        "TC": "technical component only",
        "UE": "used equipment",
        "XE": "separate encounter on the same day",
        "XP": "separate clinician on the same day",
        "XS": "separate organ or structure",
        "XU": "unusual service that does not overlap the main one",
    }
)

MODIFIERS = MappingProxyType({**CPT_MODIFIERS, **LEVEL2_MODIFIERS})

# Modifiers that declare a service repeated on purpose (not a duplicate).
REPEAT = frozenset({"76", "77", "91"})
# Modifiers that declare a service distinct from another on the same day.
DISTINCT = frozenset({"59", "XE", "XP", "XS", "XU"})
# Anatomic modifiers: the same code on different sites is not a duplicate.
ANATOMIC = frozenset(
    {"LT", "RT", "50", "E1", "E2", "E3", "E4", "FA", "TA", "LC", "LD", "LM", "RC", "RI"}
    | {f"F{n}" for n in range(1, 10)}
    | {f"T{n}" for n in range(1, 10)}
)
# A line with this modifier bills only the interpretation (no lab work of its own).
PROFESSIONAL_COMPONENT = "26"


def is_cpt_modifier(code: str) -> bool:
    """True for the CPT modifiers in our table (two digits, and P1-P6)."""
    return code in CPT_MODIFIERS
