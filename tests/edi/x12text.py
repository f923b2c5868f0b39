"""Hand-made X12 text for tests: envelopes with computed counts around segment bodies."""

from __future__ import annotations

P = "005010X222A1"
I = "005010X223A2"  # noqa: E741 - the 837I, beside P

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*261123*0930*^*00501*000000042*0*T*:"
)
HEADER = [
    "BHT*0019*00*REF1*20261123*0930*CH",
    "NM1*41*2*SUBMITTER*****46*S1",
    "PER*IC*BILLING*TE*5035550100",
    "NM1*40*2*RECEIVER*****46*R1",
]


def billing(hl: int, npi: str = "1234567893") -> list[str]:
    """Loop 2000A/2010AA."""
    return [
        f"HL*{hl}**20*1",
        "PRV*BI*PXC*207Q00000X",
        f"NM1*85*2*CLINIC*****XX*{npi}",
        "N3*1 MAIN ST",
        "N4*PORTLAND*OR*972011234",
        "REF*EI*841234567",
    ]


def subscriber(hl: int, parent: int, member: str, *, dependent: bool = False) -> list[str]:
    """Loop 2000B/2010BA/2010BB; with dependent=True, no address or DMG and HL04 = 1."""
    if dependent:
        return [
            f"HL*{hl}*{parent}*22*1",
            "SBR*P**GRP1******CI",
            f"NM1*IL*1*DOE*JOHN****MI*{member}",
            "NM1*PR*2*PAYER*****PI*P1",
        ]
    return [
        f"HL*{hl}*{parent}*22*0",
        "SBR*P*18*GRP1******CI",
        f"NM1*IL*1*DOE*JANE****MI*{member}",
        "N3*2 OAK ST",
        "N4*PORTLAND*OR*97201",
        "DMG*D8*19800102*F",
        "NM1*PR*2*PAYER*****PI*P1",
    ]


def patient(hl: int, parent: int) -> list[str]:
    """Loop 2000C/2010CA."""
    return [
        f"HL*{hl}*{parent}*23*0",
        "PAT*19",
        "NM1*QC*1*DOE*MIA",
        "N3*2 OAK ST",
        "N4*PORTLAND*OR*97201",
        "DMG*D8*20160303*F",
    ]


def claim(pcn: str, *charges: str, total: str | None = None) -> list[str]:
    """An 837P loop 2300 with one line per charge; CLM02 is their sum unless given."""
    total = total if total is not None else str(sum(int(c) for c in charges))
    out = [f"CLM*{pcn}*{total}***11:B:1*Y*A*Y*Y", "HI*ABK:I10"]
    for n, charge in enumerate(charges, start=1):
        out += [
            f"LX*{n}",
            f"SV1*HC:99213*{charge}*UN*1***1",
            "DTP*472*D8*20260501",
            f"REF*6R*{pcn}L{n}",
        ]
    return out


def institutional_claim(pcn: str, hi: str = "HI*ABK:R079:::::::Y") -> list[str]:
    """An 837I loop 2300 with one line."""
    return [
        f"CLM*{pcn}*100***13:A:1**A*Y*Y",
        "DTP*434*RD8*20260501-20260501",
        "CL1*1*7*01",
        hi,
        "NM1*71*1*OSEI*AMARA****XX*1987654328",
        "LX*1",
        "SV2*0450*HC:99284*100*UN*1",
        "DTP*472*D8*20260501",
        f"REF*6R*{pcn}L1",
    ]


def transaction(control: str, body: list[str], version: str = P) -> list[str]:
    """ST..SE around a body (header included by the caller or not), SE01 counted."""
    segments = [f"ST*837*{control}*{version}", *body]
    return [*segments, f"SE*{len(segments) + 1}*{control}"]


def group(control: str, transactions: list[list[str]], version: str = P) -> list[str]:
    """GS..GE around transaction sets."""
    inner = [s for t in transactions for s in t]
    return [
        f"GS*HC*SENDER*RECEIVER*20261123*0930*{control}*X*{version}",
        *inner,
        f"GE*{len(transactions)}*{control}",
    ]


def interchange(*groups: list[str]) -> str:
    """ISA..IEA around groups, one segment a line."""
    segments = [ISA, *[s for g in groups for s in g], f"IEA*{len(groups)}*000000042"]
    return "".join(s + "~\n" for s in segments)


def file_837(*bodies: list[str], version: str = P) -> str:
    """One interchange, one group, one transaction set per body (each after HEADER)."""
    transactions = [
        transaction(f"{n:04d}", [*HEADER, *body], version) for n, body in enumerate(bodies, 1)
    ]
    return interchange(group("1", transactions, version))


def position(text: str, prefix: str, occurrence: int = 1) -> int:
    """The 1-based segment position of the nth segment that starts with prefix."""
    seen = 0
    for n, seg in enumerate((s.strip() for s in text.split("~") if s.strip()), start=1):
        if seg.startswith(prefix):
            seen += 1
            if seen == occurrence:
                return n
    raise AssertionError(f"no segment {prefix!r}")
