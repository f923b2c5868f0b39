"""Plain value objects of a 999 implementation acknowledgment (005010X231A1) and its codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

VERSION = "005010X231A1"


class _Coded(enum.StrEnum):
    """A code table: the X12 code as value, our own short wording as label."""

    label: str

    def __new__(cls, code: str, label: str = "") -> _Coded:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member


class GroupCode(_Coded):
    """AK901: what happened to the functional group acknowledged."""

    ACCEPTED = "A", "accepted"
    ACCEPTED_WITH_ERRORS = "E", "accepted with errors"
    PARTIALLY_ACCEPTED = "P", "partially accepted: some transaction sets rejected"
    REJECTED = "R", "rejected"
    REJECTED_AUTHENTICATION = "M", "rejected: message authentication code failed"
    REJECTED_ASSURANCE = "W", "rejected: assurance failed validity tests"
    REJECTED_DECRYPTION = "X", "rejected: content could not be analysed after decryption"

    @property
    def is_rejection(self) -> bool:
        """The whole group was rejected (R, M, W, X)."""
        return self.value in "RMWX"

    @property
    def is_acceptance(self) -> bool:
        """The whole group was accepted (A, or E with errors noted)."""
        return self.value in "AE"


class TransactionCode(_Coded):
    """IK501: what happened to one transaction set acknowledged."""

    ACCEPTED = "A", "accepted"
    ACCEPTED_WITH_ERRORS = "E", "accepted with errors"
    REJECTED_AUTHENTICATION = "M", "rejected: message authentication code failed"
    REJECTED = "R", "rejected"
    REJECTED_ASSURANCE = "W", "rejected: assurance failed validity tests"
    REJECTED_DECRYPTION = "X", "rejected: content could not be analysed after decryption"

    @property
    def is_rejection(self) -> bool:
        """The transaction set and every claim in it were rejected (M, R, W, X)."""
        return self.value in "MRWX"

    @property
    def is_acceptance(self) -> bool:
        """The transaction set was accepted (A, or E with its errors as warnings)."""
        return self.value in "AE"


class SegmentErrorCode(_Coded):
    """IK304: what is wrong with a segment."""

    UNRECOGNIZED = "1", "unrecognized segment ID"
    UNEXPECTED = "2", "unexpected segment"
    REQUIRED_MISSING = "3", "required segment missing"
    LOOP_OVER_MAXIMUM = "4", "loop occurs more often than allowed"
    OVER_MAXIMUM_USE = "5", "segment occurs more often than allowed"
    NOT_IN_TRANSACTION_SET = "6", "segment not in the transaction set"
    OUT_OF_SEQUENCE = "7", "segment out of sequence"
    ELEMENT_ERRORS = "8", "segment has element errors"
    NOT_USED_PRESENT = "I4", "segment the guide marks not used is present"
    DEPENDENT_MISSING = "I6", "segment the guide requires here is missing"
    LOOP_UNDER_MINIMUM = "I7", "loop occurs less often than the guide requires"
    UNDER_MINIMUM_USE = "I8", "segment occurs less often than the guide requires"
    DEPENDENT_NOT_USED_PRESENT = "I9", "segment the guide marks not used here is present"


class ElementErrorCode(_Coded):
    """IK403: what is wrong with an element."""

    REQUIRED_MISSING = "1", "required element missing"
    CONDITIONAL_MISSING = "2", "conditionally required element missing"
    TOO_MANY_ELEMENTS = "3", "too many elements"
    TOO_SHORT = "4", "element too short"
    TOO_LONG = "5", "element too long"
    INVALID_CHARACTER = "6", "invalid character"
    INVALID_CODE = "7", "invalid code value"
    INVALID_DATE = "8", "invalid date"
    INVALID_TIME = "9", "invalid time"
    EXCLUSION_VIOLATED = "10", "exclusion condition violated"
    TOO_MANY_REPETITIONS = "12", "too many repetitions"
    TOO_MANY_COMPONENTS = "13", "too many components"
    CODE_NOT_USED = "I6", "code value the guide does not use"
    DEPENDENT_MISSING = "I9", "element the guide requires here is missing"
    NOT_USED_PRESENT = "I10", "element the guide marks not used is present"
    TOO_FEW_REPETITIONS = "I11", "too few repetitions"
    PATTERN_MISMATCH = "I12", "value does not match the guide's pattern"
    DEPENDENT_NOT_USED_PRESENT = "I13", "element the guide marks not used here is present"


class TransactionErrorCode(_Coded):
    """IK502-IK506: why a transaction set was not accepted as is."""

    NOT_SUPPORTED = "1", "transaction set not supported"
    TRAILER_MISSING = "2", "transaction set trailer missing"
    CONTROL_MISMATCH = "3", "ST02 and SE02 differ"
    COUNT_MISMATCH = "4", "SE01 differs from the segment count"
    SEGMENTS_IN_ERROR = "5", "one or more segments in error"
    BAD_IDENTIFIER = "6", "missing or invalid transaction set identifier"
    BAD_CONTROL_NUMBER = "7", "missing or invalid transaction set control number"
    AUTHENTICATION_KEY_UNKNOWN = "8", "authentication key name unknown"
    ENCRYPTION_KEY_UNKNOWN = "9", "encryption key name unknown"
    SERVICE_UNAVAILABLE = "10", "requested service not available"
    UNKNOWN_RECIPIENT = "11", "unknown security recipient"
    BAD_LENGTH = "12", "incorrect message length"
    AUTHENTICATION_FAILED = "13", "message authentication code failed"
    UNKNOWN_ORIGINATOR = "15", "unknown security originator"
    DECRYPTED_SYNTAX = "16", "syntax error in decrypted text"
    SECURITY_NOT_SUPPORTED = "17", "security not supported"
    NOT_IN_GROUP = "18", "transaction set not in a functional group"
    BAD_CONVENTION = "19", "invalid implementation convention reference"
    CONTROL_NOT_UNIQUE = "23", "ST02 not unique within the group"
    S3E_MISSING = "24", "S3E security end segment missing"
    S3S_MISSING = "25", "S3S security start segment missing"
    S4E_MISSING = "26", "S4E security end segment missing"
    S4S_MISSING = "27", "S4S security start segment missing"
    GUIDE_SEGMENTS_IN_ERROR = "I5", "one or more segments in error against the guide"
    CONVENTION_NOT_SUPPORTED = "I6", "implementation convention not supported"


class GroupErrorCode(_Coded):
    """AK905-AK909: why a functional group was not accepted as is."""

    NOT_SUPPORTED = "1", "functional group not supported"
    VERSION_NOT_SUPPORTED = "2", "functional group version not supported"
    TRAILER_MISSING = "3", "functional group trailer missing"
    CONTROL_MISMATCH = "4", "GS06 and GE02 differ"
    COUNT_MISMATCH = "5", "GE01 differs from the transaction set count"
    BAD_CONTROL_NUMBER = "6", "group control number violates syntax"
    AUTHENTICATION_KEY_UNKNOWN = "10", "authentication key name unknown"
    ENCRYPTION_KEY_UNKNOWN = "11", "encryption key name unknown"
    SERVICE_UNAVAILABLE = "12", "requested service not available"
    UNKNOWN_RECIPIENT = "13", "unknown security recipient"
    UNKNOWN_ORIGINATOR = "14", "unknown security originator"
    DECRYPTED_SYNTAX = "15", "syntax error in decrypted text"
    SECURITY_NOT_SUPPORTED = "16", "security not supported"
    BAD_LENGTH = "17", "incorrect message length"
    AUTHENTICATION_FAILED = "18", "message authentication code failed"
    CONTROL_NOT_UNIQUE = "19", "GS06 not unique within the interchange"
    S3E_MISSING = "23", "S3E security end segment missing"
    S3S_MISSING = "24", "S3S security start segment missing"
    S4E_MISSING = "25", "S4E security end segment missing"
    S4S_MISSING = "26", "S4S security start segment missing"


@dataclass(frozen=True, slots=True)
class Envelope:
    """The interchange and group that carried the 999 (the sender is whoever acknowledges)."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, trimmed
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, trimmed
    application_sender: str  # GS02
    application_receiver: str  # GS03
    interchange_control_number: int  # ISA13
    group_control_number: int  # GS06
    created_at: datetime  # GS04/GS05
    is_test: bool  # ISA15 = T
    warnings: tuple[str, ...] = ()  # trailer control numbers that differ (IEA02, GE02)


@dataclass(frozen=True, slots=True)
class Context:
    """A CTX: a business unit (CTX*CLM01:<claim number>) or where an error was triggered."""

    segment: int  # 1-based position of the CTX in the 999 file
    name: str  # CTX01-1: "CLM01" or "SITUATIONAL TRIGGER"
    reference: str | None = None  # CTX01-2: the claim number for CLM01
    segment_id: str | None = None  # CTX02
    position: int | None = None  # CTX03: segment position in the transaction set
    loop_id: str | None = None  # CTX04
    element_position: int | None = None  # CTX05-1
    component_position: int | None = None  # CTX05-2
    reference_number: str | None = None  # CTX06-1: data element reference number

    @property
    def claim_number(self) -> str | None:
        """The CLM01 this context names, if it is a CLM01 business unit."""
        return self.reference if self.name == "CLM01" else None


@dataclass(frozen=True, slots=True)
class ElementError:
    """Loop 2110 (IK4): an element in error, with its contexts."""

    segment: int  # 1-based position of the IK4 in the 999 file
    position: int  # IK401-1: element position in the segment
    code: ElementErrorCode  # IK403
    component: int | None = None  # IK401-2
    repetition: int | None = None  # IK401-3
    reference_number: str | None = None  # IK402: data element reference number
    # IK404, a copy of the bad element: it may be patient data, so it is kept out of repr.
    bad_value: str | None = field(default=None, repr=False)
    contexts: tuple[Context, ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentError:
    """Loop 2100 (IK3): a segment in error, its contexts and its element errors."""

    segment: int  # 1-based position of the IK3 in the 999 file
    segment_id: str  # IK301
    position: int  # IK302: position in the transaction set acknowledged (ST = 1)
    code: SegmentErrorCode  # IK304
    loop_id: str | None = None  # IK303
    contexts: tuple[Context, ...] = ()  # business unit (CLM01) and segment contexts
    elements: tuple[ElementError, ...] = ()

    @property
    def claim_number(self) -> str | None:
        """The claim (CLM01) a CTX ties this error to, if any."""
        # CLM01 belongs in the IK3's own contexts; some senders put it after an IK4.
        contexts = [*self.contexts, *(c for e in self.elements for c in e.contexts)]
        return next((c.claim_number for c in contexts if c.claim_number is not None), None)


@dataclass(frozen=True, slots=True)
class TransactionResponse:
    """Loop 2000 (AK2 .. IK5): the answer for one transaction set we sent."""

    segment: int  # 1-based position of the AK2 in the 999 file
    transaction_set_id: str  # AK201, such as 837
    control_number: str  # AK202: ST02 of the transaction set acknowledged
    code: TransactionCode  # IK501
    convention: str | None = None  # AK203: ST03 acknowledged, such as 005010X222A1
    errors: tuple[SegmentError, ...] = ()
    error_codes: tuple[TransactionErrorCode, ...] = ()  # IK502-IK506

    @property
    def claim_numbers(self) -> tuple[str, ...]:
        """The claims (CLM01) that errors name through CTX, in order, once each."""
        return tuple(dict.fromkeys(n for e in self.errors if (n := e.claim_number)))


@dataclass(frozen=True, slots=True)
class FunctionalAcknowledgment:
    """One 999 transaction set: the answer for one functional group we sent."""

    envelope: Envelope
    segment: int  # 1-based position of the ST in the file
    control_number: str  # ST02 of the 999
    functional_id: str  # AK101, such as HC
    group_control_number: int  # AK102: GS06 of the group acknowledged
    code: GroupCode  # AK901
    included: int  # AK902: transaction sets in the group acknowledged
    received: int  # AK903
    accepted: int  # AK904
    version: str | None = None  # AK103: GS08 of the group acknowledged
    transactions: tuple[TransactionResponse, ...] = ()
    error_codes: tuple[GroupErrorCode, ...] = ()  # AK905-AK909
