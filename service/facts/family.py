"""Family history facts: FamilyMemberHistory -> the relative's degree of kinship and conditions.

Degrees of genetic relationship (first: parents, siblings, children; second: grandparents,
grandchildren, aunts, uncles, nieces, nephews, half-siblings; third: great-grandparents, first
cousins) for the relationship codes of the HL7 v3 FamilyMember value set
(http://terminology.hl7.org/ValueSet/v3-FamilyMember, codes of
http://terminology.hl7.org/CodeSystem/v3-RoleCode, checked against its listing in the HL7 FHIR
cross-version package). Codes that do not say whether the relative is by blood ("father",
"sibling") are read as blood relatives: for an exclusion that reading cannot give a false
"eligible". Adoptive, foster, step and in-law relatives and partners share no genes and have
no degree here (their history does not count); "family member" and "extended family member"
leave the degree unknown.
"""

from __future__ import annotations

from service.facts.model import FamilyRecord, codings_of, label_of, texts_of
from service.intake import Read

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
KINSHIP_DEGREE: dict[str, int] = {
    **dict.fromkeys(
        ("FTH", "MTH", "PRN", "NFTH", "NMTH", "NPRN", "GESTM", "SIB", "BRO", "SIS", "NSIB", "NBRO", "NSIS",
         "TWIN", "TWINBRO", "TWINSIS", "FTWIN", "FTWINBRO", "FTWINSIS", "ITWIN", "ITWINBRO", "ITWINSIS",
         "CHILD", "NCHILD", "SON", "SONC", "DAU", "DAUC"),
        1,
    ),
    **dict.fromkeys(
        ("GRPRN", "GRFTH", "GRMTH", "MGRPRN", "MGRFTH", "MGRMTH", "PGRPRN", "PGRFTH", "PGRMTH", "GRNDCHILD",
         "GRNDSON", "GRNDDAU", "AUNT", "MAUNT", "PAUNT", "UNCLE", "MUNCLE", "PUNCLE", "NIENEPH", "NIECE",
         "NEPHEW", "HSIB", "HBRO", "HSIS"),
        2,
    ),
    **dict.fromkeys(
        ("GGRPRN", "GGRFTH", "GGRMTH", "MGGRPRN", "MGGRFTH", "MGGRMTH", "PGGRPRN", "PGGRFTH", "PGGRMTH",
         "COUSN", "MCOUSN", "PCOUSN"),
        3,
    ),
}  # fmt: skip
UNKNOWN_DEGREE = frozenset({"FAMMEMB", "EXT"})
NOT_COUNTING_FAMILY = frozenset({"entered-in-error", "health-unknown"})


def read_family(read: Read) -> FamilyRecord | None:
    """Return a relative's degree and conditions, or None for a record that does not count."""
    history = read.resource
    if str(history.status) in NOT_COUNTING_FAMILY:
        return None
    degree: int | None = None
    not_blood = False
    for system, code, _ in codings_of(history.relationship):
        if system != ROLE_CODE:
            continue
        if code.upper() in KINSHIP_DEGREE:
            degree = KINSHIP_DEGREE[code.upper()]
            break
        not_blood = not_blood or code.upper() not in UNKNOWN_DEGREE
    if degree is None and not_blood:
        return None
    conditions = tuple((codings_of(c.code), texts_of(c.code)) for c in history.condition or ())
    return FamilyRecord(label_of(history.relationship) or "relative", degree, conditions, read.reference)
