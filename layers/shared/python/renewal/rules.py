"""The rule set of one renewal year: every number of the renewal rules lives
here, stored per year, and is read from the table, never written in code."""

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, NonNegativeInt, model_validator

from renewal import audit, clock, keys
from renewal.adapters import store
from renewal.auth import Principal
from renewal.credentials import Code, CredentialCode
from renewal.errors import Conflict, NotFound, ValidationFailed
from renewal.model import Date, Model

RenewalYear = Annotated[int, Field(ge=2000, le=2100, description="The renewal year, e.g. 2027.")]
# CEC amounts are counted in half credits.
CecAmount = Annotated[float, Field(ge=0, multiple_of=0.5, le=1000)]


class CredentialRule(Model):
    model_config = ConfigDict(extra="forbid")

    cec_required: CecAmount
    in_network_min: CecAmount
    fee_cents: NonNegativeInt
    renews_annually: bool
    emeritus_fee_cents: NonNegativeInt | None = Field(
        default=None, description="Fee per credential for emeritus holders; the normal fee when absent."
    )

    @model_validator(mode="after")
    def _in_network_within_requirement(self) -> Self:
        if self.in_network_min > self.cec_required:
            raise ValueError("in_network_min cannot exceed cec_required")
        return self


class EarningWindow(Model):
    model_config = ConfigDict(extra="forbid")

    start: Date
    end: Date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("earning_window.end is before earning_window.start")
        return self

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class RuleSetIn(Model):
    """What staff PUT for a year. Every number is required: none is invented in code."""

    model_config = ConfigDict(extra="forbid")

    renewal_year: RenewalYear | None = Field(default=None, description="Optional; must equal the year in the path.")
    currency: Literal["usd"] = "usd"
    due_date: Date
    grace_ends: Date
    reinstatement_fee_cents: NonNegativeInt
    earning_window: EarningWindow
    participation_cap: CecAmount
    require_complete_submission: bool = True
    first_year_cec_waived: bool = True
    reminder_days_before_due: Annotated[int, Field(ge=0, le=366)] = Field(
        default=30, description="How many days before the due date the reminder e-mail goes out."
    )
    credentials: dict[Code, CredentialRule] = Field(
        min_length=1
    )

    @model_validator(mode="after")
    def _camt_is_lifetime(self) -> Self:
        # CAMT is a lifetime certificate, never invoiced, never owing CECs (docs/domain.md).
        camt = self.credentials.get(CredentialCode.CAMT)
        if camt is not None and camt.renews_annually:
            raise ValueError("CAMT is a lifetime certificate: renews_annually must be false")
        return self

    @model_validator(mode="after")
    def _timeline(self) -> Self:
        if self.earning_window.end >= self.due_date:
            raise ValueError("earning_window.end must be before due_date")
        if self.grace_ends <= self.due_date:
            raise ValueError("grace_ends must be after due_date")
        return self


class RuleSet(RuleSetIn):
    model_config = ConfigDict(extra="ignore")

    renewal_year: RenewalYear
    locked: bool = Field(default=False, description="True once an invoice run for the year has started.")
    updated_at: str | None = None

    def rule_for(self, code: str) -> CredentialRule | None:
        return self.credentials.get(CredentialCode(code))

    def renews(self, code: str) -> bool:
        rule = self.rule_for(code)
        return bool(rule and rule.renews_annually)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        return cls(**record, locked="locked_at" in record)


def put_rule_set(principal: Principal, renewal_year: int, body: RuleSetIn) -> RuleSet:
    principal.require_staff()
    if body.renewal_year is not None and body.renewal_year != renewal_year:
        raise ValidationFailed(
            "renewal_year in the body does not match the year in the path.",
            details=[{"field": "renewal_year", "expected": renewal_year, "got": body.renewal_year}],
        )
    rule_set = RuleSet(**body.model_dump(exclude={"renewal_year"}), renewal_year=renewal_year, updated_at=clock.now_iso())
    record = {
        **keys.rule_set_key(renewal_year),
        **keys.rule_sets_index(renewal_year),
        **rule_set.model_dump(mode="json", exclude={"locked"}),
    }
    previous = store.get(keys.rule_set_key(renewal_year))
    try:
        # The lock is set by the invoice run; the condition makes a PUT that races it lose.
        store.transact(
            [
                store.put_op(record, condition="attribute_not_exists(locked_at)"),
                audit.entry_op(
                    principal,
                    history_pk=keys.rule_set_history_pk(renewal_year),
                    action="rule_set.put",
                    changes=audit.diff(_comparable(previous), rule_set.model_dump(mode="json", exclude={"locked", "updated_at"})),
                ),
            ]
        )
    except store.ConditionFailed as error:
        raise Conflict(
            f"The {renewal_year} rule set is locked: an invoice run for that year has started.",
            code="rule_set_locked",
        ) from error
    return rule_set


def _comparable(record: dict[str, Any] | None) -> dict[str, Any]:
    if not record:
        return {}
    return RuleSet(**record).model_dump(mode="json", exclude={"locked", "updated_at"})


def load_rule_set(renewal_year: int) -> RuleSet | None:
    record = store.get(keys.rule_set_key(renewal_year))
    if record is None:
        return None
    return RuleSet.from_record(record)


def get_rule_set(principal: Principal, renewal_year: int) -> RuleSet:
    principal.require_staff()
    return require_rule_set(renewal_year)


def require_rule_set(renewal_year: int) -> RuleSet:
    """The year's rule set, or 404: a renewal year exists once staff stored its rules."""
    rule_set = load_rule_set(renewal_year)
    if rule_set is None:
        raise NotFound(f"No rule set exists for renewal year {renewal_year}.")
    return rule_set
