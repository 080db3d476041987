"""What a member owes for a renewal year: the invoice lines and the shared CEC
requirement. Pure functions of the member's credentials and the year's rule set.

- One line per renewable credential, at the rule set's fee (the emeritus fee
  for emeritus holders where the rule set has one).
- A credential renews for year Y when the rule set says it renews annually and
  it was earned by the end of Y's earning window; one earned after that first
  renews the year after. A code the rule set does not list is not part of that
  year's program.
- CECs are shared, not summed: the requirement is the largest among the
  renewable credentials, and the in-network minimum likewise.
- A credential earned inside the earning window is in its first year: it owes
  its fee but no CECs when the rule set waives first-year CECs.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pydantic import Field

from renewal.model import Model
from renewal.rules import RuleSet


class Held(NamedTuple):
    code: str
    earned_on: dt.date


class InvoiceLine(Model):
    code: str
    description: str
    amount_cents: int
    void: bool = Field(default=False, description="A line that no longer applies: kept, left out of the totals.")
    void_reason: str | None = None


class Assessment(NamedTuple):
    renewable: tuple[str, ...]
    lines: tuple[InvoiceLine, ...]
    cec_required: float
    in_network_required: float
    cec_waived: bool

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def required(self) -> bool:
        return bool(self.renewable)


def held_from_profile(profile: dict) -> list[Held]:
    return [Held(c["code"], dt.date.fromisoformat(c["earned_on"])) for c in profile.get("credentials", [])]


def renewable(held: Iterable[Held], rule_set: RuleSet) -> list[Held]:
    return [h for h in held if rule_set.renews(h.code) and h.earned_on <= rule_set.earning_window.end]


def assess(held: Iterable[Held], rule_set: RuleSet, *, emeritus: bool = False) -> Assessment:
    due = renewable(held, rule_set)
    lines = []
    for credential in due:
        rule = rule_set.rule_for(credential.code)
        assert rule is not None  # renewable() kept only listed codes
        fee = rule.emeritus_fee_cents if emeritus and rule.emeritus_fee_cents is not None else rule.fee_cents
        lines.append(
            InvoiceLine(code=credential.code, description=f"{credential.code} renewal {rule_set.renewal_year}",
                        amount_cents=fee)
        )
    owing = [c for c in due if not _first_year(c, rule_set)]
    rules = [rule_set.rule_for(c.code) for c in owing]
    cec_required = max((r.cec_required for r in rules if r), default=0.0)
    in_network_required = max((r.in_network_min for r in rules if r), default=0.0)
    waived = emeritus and bool(due)
    if waived:
        cec_required = in_network_required = 0.0
    return Assessment(
        renewable=tuple(c.code for c in due),
        lines=tuple(lines),
        cec_required=float(cec_required),
        in_network_required=float(in_network_required),
        cec_waived=waived,
    )


def _first_year(credential: Held, rule_set: RuleSet) -> bool:
    return rule_set.first_year_cec_waived and rule_set.earning_window.holds(credential.earned_on)


class Requirement(NamedTuple):
    cec_required: float
    in_network_required: float
    waived: bool


def requirement(held: Iterable[Held], waivers: Iterable[Mapping[str, Any]], rule_set: RuleSet | None,
                invoice: Mapping[str, Any] | None = None) -> Requirement:
    """How many CECs a member owes for the rule set's year: the one answer every
    path uses (the renewal view, the completeness check before a submission, the
    renewal record). Once the year is invoiced it is the invoice's, which follows
    the member's credentials and waivers (renewal.reconcile); before, the rule
    set applied to the record. An emeritus waiver (from its year on) or a
    military one (its year) waives them."""
    from renewal import standing

    waivers = list(waivers)
    year = int(invoice["renewal_year"]) if invoice is not None else rule_set.renewal_year
    military = standing.military_waived(waivers, year)
    if invoice is not None:
        waived = bool(invoice.get("cec_waived")) or standing.emeritus_from(waivers, year) or military
        return Requirement(float(invoice["cec_required"]), float(invoice["in_network_required"]), waived)
    assert rule_set is not None, "without an invoice the rule set decides"
    assessment = assess(held, rule_set, emeritus=standing.emeritus_from(waivers, year))
    return Requirement(assessment.cec_required, assessment.in_network_required, assessment.cec_waived or military)
